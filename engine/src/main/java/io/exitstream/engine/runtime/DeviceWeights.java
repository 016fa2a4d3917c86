package io.exitstream.engine.runtime;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * A model's weights as tensors, rearranged once at load so that a layer needs few operations.
 *
 * <ul>
 *   <li>RMSNorm weights are folded into the matrix that follows the norm.</li>
 *   <li>The attention input is one matrix {@code [q | k | v]}, with the attention scale
 *       {@code 1/sqrt(head_size)} folded into the q rows.</li>
 *   <li>The feed-forward input is one matrix {@code [w1 | w3]}.</li>
 *   <li>Matrices are then laid out and typed for {@link WeightType} by {@code prepare.py}.</li>
 * </ul>
 */
final class DeviceWeights implements AutoCloseable {

    final ModelConfig config;
    final WeightType type;
    /** Per layer: attention in {@code [q|k|v]}, attention out, feed-forward in, out. */
    final IValue layers;
    /**
     * Token embedding, classifier, and the RoPE factors per position for the {@code [q|k]}
     * columns of a layer as built, {@code [context, dim + kvDim]}: cos and signed sin. The
     * factors repeat every head, so a pruned layer's {@code [q|k]} uses the first columns.
     * Last, {@code 0, 1, 2, ...} up to the widest matrix input, for the float32 single-row
     * product (see {@link DecoderScript}).
     */
    final IValue tables;
    private final NDManager manager;

    DeviceWeights(LlamaWeights w, WeightType type, NDManager parent) {
        this.config = w.config();
        this.type = type;
        this.manager = parent.newSubManager();
        int d = config.dim();
        float scale = (float) (1.0 / Math.sqrt(config.headSize()));

        // Host-side, every matrix [out, in]: stacking outputs is concatenation. Each layer has
        // its own widths; the script reads them off these matrices.
        List<PtNDArray> perLayer = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            int qDim = config.qDim(l);
            int kvDim = config.kvDim(l);
            int hidden = config.layer(l).hiddenDim();
            float[] norm = w.attentionNorm()[l];
            perLayer.add(matrix(qDim + 2 * kvDim, d, scaled(w.wq()[l], norm, scale),
                    scaled(w.wk()[l], norm, 1f), scaled(w.wv()[l], norm, 1f)));
            perLayer.add(matrix(d, qDim, w.wo()[l]));
            float[] ffnNorm = w.ffnNorm()[l];
            perLayer.add(matrix(2 * hidden, d, scaled(w.w1()[l], ffnNorm, 1f),
                    scaled(w.w3()[l], ffnNorm, 1f)));
            perLayer.add(matrix(d, hidden, w.w2()[l]));
        }
        float[][] rope = ropeTables(config);
        int ropeWidth = d + config.kvDim();
        PtNDArray[] tableArrays = {
            matrix(config.vocabSize(), d, w.tokenEmbedding()),
            matrix(config.vocabSize(), d, scaled(w.classifier(), w.finalNorm(), 1f)),
            matrix(config.contextLength(), ropeWidth, rope[0]),
            matrix(config.contextLength(), ropeWidth, rope[1]),
        };
        try (PtSymbolBlock prepare = TorchScriptArchive.load(manager, "Prepare",
                TorchScriptArchive.resource("prepare.py"));
                IValue layerList = IValue.listFrom(perLayer.toArray(PtNDArray[]::new));
                IValue tableList = IValue.listFrom(tableArrays);
                IValue bf16 = IValue.from(type == WeightType.BFLOAT16);
                IValue prepared = prepare.forward(layerList, tableList, bf16)) {
            IValue[] pair = prepared.toIValueTuple();
            layers = pair[0];
            tables = pair[1];
        }
        // The prepared copies are all that is kept; the float32 [out, in] staging goes.
        perLayer.forEach(PtNDArray::close);
        for (PtNDArray table : tableArrays) {
            table.close();
        }
    }

    /** {@code matrix [out, in]} with input column i scaled by {@code norm[i] * scale}. */
    private static float[] scaled(float[] matrix, float[] norm, float scale) {
        int in = norm.length;
        float[] out = new float[matrix.length];
        for (int i = 0; i < matrix.length; i++) {
            out[i] = matrix[i] * norm[i % in] * scale;
        }
        return out;
    }

    /** One {@code [rows, cols]} tensor from row blocks laid end to end. */
    private PtNDArray matrix(int rows, int cols, float[]... blocks) {
        float[] all = blocks.length == 1 ? blocks[0] : new float[rows * cols];
        if (blocks.length > 1) {
            int at = 0;
            for (float[] block : blocks) {
                System.arraycopy(block, 0, all, at, block.length);
                at += block.length;
            }
        }
        return (PtNDArray) manager.create(all, new Shape(rows, cols));
    }

    /**
     * llama2.c's RoPE: the pair (2j, 2j+1) of each head turns by {@code pos} times its
     * {@linkplain ModelConfig#ropeInverseFrequency inverse frequency} (theta^(-2j/hs), scaled).
     * Sin carries the sign of the rotation: -sin for the even element, +sin for the odd one.
     */
    private static float[][] ropeTables(ModelConfig config) {
        int width = config.dim() + config.kvDim();
        int hs = config.headSize();
        float[] cos = new float[config.contextLength() * width];
        float[] sin = new float[cos.length];
        for (int pos = 0; pos < config.contextLength(); pos++) {
            for (int c = 0; c < width; c += 2) {
                double angle = pos * config.ropeInverseFrequency(c % hs / 2);
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
