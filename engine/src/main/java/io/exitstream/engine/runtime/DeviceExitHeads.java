package io.exitstream.engine.runtime;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.IValue;
import io.exitstream.engine.exits.ExitHead;
import io.exitstream.engine.exits.ExitHeads;
import io.exitstream.engine.model.ModelConfig;

/**
 * A model's exit heads as float32 tensors for the decoder script: per model layer the
 * confidence weight {@code [dim]} with the final norm's weight folded in (so the script
 * normalises without it), the bias {@code [1]}, and the adapter transposed for
 * {@code h + (h down^T) up^T}: {@code down^T [dim, rank]}, {@code up^T [rank, dim]}. A layer
 * without a head or adapter gets empty tensors.
 */
final class DeviceExitHeads {

    final ExitHeads heads;
    final IValue tensors;

    DeviceExitHeads(ExitHeads heads, ModelConfig config, float[] finalNorm, NDManager manager) {
        this.heads = heads;
        int dim = config.dim();
        PtNDArray empty = (PtNDArray) manager.create(new float[0], new Shape(0));
        PtNDArray[] all = new PtNDArray[4 * config.layers()];
        for (int layer = 0; layer < config.layers(); layer++) {
            ExitHead head = heads.at(layer).orElse(null);
            int at = 4 * layer;
            if (head == null) {
                all[at] = empty;
                all[at + 1] = empty;
            } else {
                float[] weight = head.confidenceWeight();
                for (int i = 0; i < dim; i++) {
                    weight[i] *= finalNorm[i];
                }
                all[at] = (PtNDArray) manager.create(weight, new Shape(dim));
                all[at + 1] = (PtNDArray) manager.create(new float[] {head.confidenceBias()},
                        new Shape(1));
            }
            if (head == null || !head.hasAdapter()) {
                all[at + 2] = empty;
                all[at + 3] = empty;
            } else {
                int rank = head.rank();
                all[at + 2] = (PtNDArray) manager.create(transpose(head.down(), rank, dim),
                        new Shape(dim, rank));
                all[at + 3] = (PtNDArray) manager.create(transpose(head.up(), dim, rank),
                        new Shape(rank, dim));
            }
        }
        this.tensors = IValue.listFrom(all);
    }

    /** {@code [cols, rows]} from row-major {@code [rows, cols]}. */
    private static float[] transpose(float[] matrix, int rows, int cols) {
        float[] out = new float[matrix.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = matrix[r * cols + c];
            }
        }
        return out;
    }
}
