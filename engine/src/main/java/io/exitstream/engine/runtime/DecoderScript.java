package io.exitstream.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import io.exitstream.engine.model.ModelConfig;
import java.util.Arrays;
import java.util.Map;

/**
 * The whole model as one TorchScript program, so that a forward pass through any list of layers
 * is a single call into PyTorch instead of ~35 JNI calls per layer (each costs 5-20 µs through
 * DJL, more than a small model's matmuls).
 *
 * <p>The program is {@code decoder.py} with the model's shape written in as constants, compiled
 * by {@link TorchScriptArchive}. Weights, caches and per-step inputs are passed as arguments, so
 * the program holds no state.
 */
final class DecoderScript implements AutoCloseable {

    /** What the program returns after the layers. */
    enum Head {
        /** The hidden states. */
        NONE,
        /** Final norm and LM head on every row. */
        ALL_ROWS,
        /** Final norm and LM head on the last row only (a prefill's next token). */
        LAST_ROW
    }

    private final PtSymbolBlock block;
    private final DeviceWeights weights;
    private final IValue noTensors;

    private DecoderScript(PtSymbolBlock block, DeviceWeights weights) {
        this.block = block;
        this.weights = weights;
        this.noTensors = IValue.listFrom(new PtNDArray[0]);
    }

    static DecoderScript compile(DeviceWeights weights, NDManager manager) {
        return new DecoderScript(TorchScriptArchive.load(manager, "Decoder",
                source(weights.config, weights.type)), weights);
    }

    /**
     * One call into the program: optionally embed {@code x} (token ids), run {@code layers} in
     * order on the rows, optionally apply the LM head. Without layers, {@code cache} and
     * {@code rows} may be null. The result lives in {@code scope}.
     */
    NDArray run(NDManager scope, NDArray x, boolean embed, Head head, int[] layers,
            KvCache cache, Rows rows) {
        NDArray none = rows == null ? scope.create(new long[0]) : null;
        IValue keys = cache == null ? noTensors : cache.keyList();
        IValue values = cache == null ? noTensors : cache.valueList();
        IValue[] inputs = {
            tensor(x),
            IValue.from(embed),
            IValue.from((long) head.ordinal()),
            IValue.listFrom(Arrays.stream(layers).asLongStream().toArray()),
            weights.layers,
            weights.tables,
            keys,
            values,
            tensor(rows == null ? none : rows.slots),
            tensor(rows == null ? none : rows.positions),
            IValue.from(rows == null ? 0L : rows.slotStart),
            IValue.from(rows == null ? 0L : rows.span),
            IValue.from(rows != null && rows.prefill),
        };
        try (IValue out = block.forward(inputs)) {
            return out.toTensor((PtNDManager) scope);
        } finally {
            // The weights and caches are made once and outlive the call; the rest is this call's.
            for (IValue input : inputs) {
                if (input != weights.layers && input != weights.tables && input != keys
                        && input != values) {
                    input.close();
                }
            }
        }
    }

    private static IValue tensor(NDArray array) {
        return IValue.from((PtNDArray) array);
    }

    /** decoder.py with the model's dimensions and matmul written in. */
    static String source(ModelConfig c, WeightType type) {
        int qkWidth = c.dim() + c.kvDim();
        Map<String, Object> constants = Map.ofEntries(
                Map.entry("eps", (double) c.normEps()),
                Map.entry("dim", c.dim()),
                Map.entry("qk_width", qkWidth),
                Map.entry("half_qk_width", qkWidth / 2),
                Map.entry("qkv_width", qkWidth + c.kvDim()),
                Map.entry("kv_heads", c.kvHeads()),
                Map.entry("head_size", c.headSize()),
                Map.entry("group", c.groupSize()),
                Map.entry("hidden_dim", c.hiddenDim()),
                Map.entry("double_hidden_dim", 2 * c.hiddenDim()),
                // float32 weights are [in, out]; bfloat16 ones [out, in] (see prepare.py), and
                // activations are rounded to bf16 for the matmul (15 is bf16, 6 float32).
                Map.entry("project", type == WeightType.FLOAT32
                        ? "torch.matmul(x, weight)"
                        : "torch.to(torch.linear(torch.to(x, 15), weight), 6)"));
        String source = TorchScriptArchive.resource("decoder.py");
        for (Map.Entry<String, Object> constant : constants.entrySet()) {
            source = source.replace("{" + constant.getKey() + "}", constant.getValue().toString());
        }
        return source;
    }

    @Override
    public void close() {
        noTensors.close();
        block.close();
    }
}
