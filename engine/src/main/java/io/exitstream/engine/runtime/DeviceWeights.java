package io.exitstream.engine.runtime;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.IValue;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * A model's weights as tensors, rearranged once at load so that a layer needs few operations.
 *
 * <ul>
 *   <li>Every matrix is stored {@code [in, out]} so that activations multiply from the left.</li>
 *   <li>RMSNorm weights are folded into the matrix that follows the norm.</li>
 *   <li>The attention input is one matrix {@code [q | k | v]}.</li>
 *   <li>The attention scale {@code 1/sqrt(head_size)} is folded into the q columns.</li>
 *   <li>The feed-forward input is one matrix {@code [w1 | w3]}.</li>
 * </ul>
 */
final class DeviceWeights implements AutoCloseable {

    /** Tensors per layer in {@link #layers}, in the order decoder.py indexes them. */
    static final int TENSORS_PER_LAYER = 4;

    final ModelConfig config;
    /** Per layer: attention in {@code [q|k|v]}, attention out, feed-forward in, out. */
    final IValue layers;
    /**
     * Token embedding, classifier {@code [dim, vocab]}, and the RoPE factors per position for
     * the {@code [q|k]} columns, {@code [context, qDim + kvDim]}: cos and signed sin.
     */
    final IValue tables;
    private final NDManager manager;

    DeviceWeights(LlamaWeights w, NDManager parent) {
        this.config = w.config();
        this.manager = parent.newSubManager();
        int d = config.dim();
        int qDim = d;
        int kvDim = config.kvDim();
        int hidden = config.hiddenDim();
        float scale = (float) (1.0 / Math.sqrt(config.headSize()));

        List<PtNDArray> perLayer = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            float[] norm = w.attentionNorm()[l];
            int cols = qDim + 2 * kvDim;
            float[] fused = new float[d * cols];
            int col = putTransposed(fused, cols, 0, w.wq()[l], qDim, d, norm, scale);
            col = putTransposed(fused, cols, col, w.wk()[l], kvDim, d, norm, 1f);
            putTransposed(fused, cols, col, w.wv()[l], kvDim, d, norm, 1f);
            perLayer.add(tensor(fused, d, cols));
            perLayer.add(tensor(transpose(w.wo()[l], d, d, null), d, d));

            float[] ffn = new float[d * 2 * hidden];
            int c = putTransposed(ffn, 2 * hidden, 0, w.w1()[l], hidden, d, w.ffnNorm()[l], 1f);
            putTransposed(ffn, 2 * hidden, c, w.w3()[l], hidden, d, w.ffnNorm()[l], 1f);
            perLayer.add(tensor(ffn, d, 2 * hidden));
            perLayer.add(tensor(transpose(w.w2()[l], d, hidden, null), hidden, d));
        }
        layers = IValue.listFrom(perLayer.toArray(PtNDArray[]::new));
        float[][] rope = ropeTables(config);
        tables = IValue.listFrom(
                tensor(w.tokenEmbedding(), config.vocabSize(), d),
                tensor(transpose(w.classifier(), config.vocabSize(), d, w.finalNorm()), d,
                        config.vocabSize()),
                tensor(rope[0], config.contextLength(), qDim + kvDim),
                tensor(rope[1], config.contextLength(), qDim + kvDim));
    }

    private PtNDArray tensor(float[] values, int rows, int cols) {
        return (PtNDArray) manager.create(values, new Shape(rows, cols));
    }

    /**
     * Writes {@code matrix [rows, in]} transposed into columns {@code [col, col + rows)} of
     * {@code out [in, cols]}, scaling input {@code i} by {@code norm[i]} and every value by
     * {@code scale}.
     */
    private static int putTransposed(float[] out, int cols, int col, float[] matrix, int rows,
            int in, float[] norm, float scale) {
        for (int r = 0; r < rows; r++) {
            int base = r * in;
            for (int i = 0; i < in; i++) {
                out[i * cols + col + r] = matrix[base + i] * norm[i] * scale;
            }
        }
        return col + rows;
    }

    /** {@code [rows, in]} to {@code [in, rows]}, scaling input i by {@code norm[i]} if given. */
    private static float[] transpose(float[] matrix, int rows, int in, float[] norm) {
        float[] out = new float[matrix.length];
        for (int r = 0; r < rows; r++) {
            int base = r * in;
            for (int i = 0; i < in; i++) {
                out[i * rows + r] = norm == null ? matrix[base + i] : matrix[base + i] * norm[i];
            }
        }
        return out;
    }

    /**
     * llama2.c's RoPE: the pair (2j, 2j+1) of each head turns by {@code pos * theta^(-2j/hs)}.
     * Sin carries the sign of the rotation: -sin for the even element, +sin for the odd one.
     */
    private static float[][] ropeTables(ModelConfig config) {
        int width = config.dim() + config.kvDim();
        int hs = config.headSize();
        float[] cos = new float[config.contextLength() * width];
        float[] sin = new float[cos.length];
        for (int pos = 0; pos < config.contextLength(); pos++) {
            for (int c = 0; c < width; c += 2) {
                int headDim = c % hs;
                double freq = 1.0 / Math.pow(config.ropeTheta(), headDim / (double) hs);
                double angle = pos * freq;
                int at = pos * width + c;
                cos[at] = (float) Math.cos(angle);
                cos[at + 1] = cos[at];
                sin[at] = (float) -Math.sin(angle);
                sin[at + 1] = (float) Math.sin(angle);
            }
        }
        return new float[][] {cos, sin};
    }

    @Override
    public void close() {
        layers.close();
        tables.close();
        manager.close();
    }
}
