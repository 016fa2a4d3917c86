package io.exitstream.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import io.exitstream.engine.model.ModelConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The whole model as one TorchScript program, so that a forward pass through any list of layers
 * is a single call into PyTorch instead of ~35 JNI calls per layer (each costs 5-20 µs through
 * DJL, more than a small model's matmuls).
 *
 * <p>The program is {@code decoder.py} with the model's head size and width written in as
 * constants (each layer's head counts and FFN width are read off its tensors), compiled
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
        LAST_ROW,
        /**
         * A decode step with confidence exits: each row's logits at its exit, followed by its
         * exit layer, layers run, confidence and per-layer block influence (see
         * {@link #runExits}).
         */
        EXITS
    }

    private final PtSymbolBlock block;
    private final DeviceWeights weights;
    private final IValue noTensors;
    private final IValue noThresholds;

    private DecoderScript(PtSymbolBlock block, DeviceWeights weights) {
        this.block = block;
        this.weights = weights;
        this.noTensors = IValue.listFrom(new PtNDArray[0]);
        this.noThresholds = IValue.listFrom(new double[0]);
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
        return call(scope, x, embed, head, layers, cache, rows, noTensors, noThresholds, false);
    }

    /**
     * One decode step in which rows may exit early: embeds {@code tokens}, runs {@code layers}
     * in order, and after {@code layers[i]} lets the rows whose exit head's confidence reaches
     * {@code thresholds[i]} (when at most 1) leave, propagating their keys and values to the
     * deeper layers. Returns {@code [rows, vocab + 3 + modelLayers]}: each row's logits at its
     * exit, its exit layer, layers run, last confidence (NaN if none), then with
     * {@code influence} each model layer's block influence (NaN where it did not run).
     */
    NDArray runExits(NDManager scope, NDArray tokens, int[] layers, double[] thresholds,
            IValue heads, KvCache cache, Rows rows, boolean influence) {
        try (IValue limits = IValue.listFrom(thresholds)) {
            return call(scope, tokens, true, Head.EXITS, layers, cache, rows, heads, limits,
                    influence);
        }
    }

    private NDArray call(NDManager scope, NDArray x, boolean embed, Head head, int[] layers,
            KvCache cache, Rows rows, IValue heads, IValue thresholds, boolean influence) {
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
            heads,
            thresholds,
            IValue.from(influence),
        };
        List<IValue> borrowed = List.of(weights.layers, weights.tables, keys, values, heads,
                thresholds);
        try (IValue out = block.forward(inputs)) {
            return out.toTensor((PtNDManager) scope);
        } finally {
            // Weights, caches and heads outlive the call; the rest is this call's.
            for (IValue input : inputs) {
                if (borrowed.stream().noneMatch(b -> b == input)) {
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
        Map<String, Object> constants = Map.ofEntries(
                Map.entry("eps", (double) c.normEps()),
                Map.entry("dim", c.dim()),
                Map.entry("head_size", c.headSize()),
                Map.entry("half_head_size", c.headSize() / 2),
                Map.entry("layers", c.layers()),
                // The axis of a weight matrix that indexes its outputs (see below).
                Map.entry("out_axis", type == WeightType.FLOAT32 ? 1 : 0),
                // bfloat16 matrices are packed for oneDNN (opaque, not sliceable).
                Map.entry("packed", type == WeightType.FLOAT32 ? "False" : "True"),
                // float32 weights are [in, out]; bfloat16 ones [out, in] packed for oneDNN (see
                // prepare.py), and activations are rounded to bf16 for the matmul (15 is bf16,
                // 6 float32).
                Map.entry("project", type == WeightType.FLOAT32
                        ? float32Project(Torch.threads())
                        : "    return torch.to(ops.mkldnn._linear_pointwise(torch.to(x, 15),"
                                + " weight, None, \"none\", [],"
                                + " \"\"), 6)"));
        String source = TorchScriptArchive.resource("decoder.py");
        for (Map.Entry<String, Object> constant : constants.entrySet()) {
            source = source.replace("{" + constant.getKey() + "}", constant.getValue().toString());
        }
        return source;
    }

    /**
     * The float32 matmul, {@code x @ weight} with the weight [in, out]. PyTorch's own matmul is
     * MKL's sgemm, which on processors that are not Intel's takes its generic code path, and
     * for a single row runs on one thread.
     * <ul>
     *   <li>One row (batch-1 decode) against a matrix of at least 64K elements, with more than
     *       one thread: the product is a sum of the weight's rows scaled by the row's entries,
     *       which {@code embedding_bag} computes; in one bag of consecutive rows per thread,
     *       PyTorch sums the bags in parallel, and the bags are then added. s15M and s110M at
     *       batch 1 gained 10 to 15%. Below 64K elements the bag's fixed cost (about 10 us
     *       against 4 for matmul) outweighs it.
     *   <li>Two rows or more (batched decode, prefill): oneDNN's fp32 inner product, which
     *       picks its kernel by instruction set, on the weight's transposed view (oneDNN reads
     *       the strides; nothing is copied). On an AMD EPYC host it was 1.3 to 3.5x MKL's sgemm
     *       for 2 to 128 rows of s15M's and s110M's matrices. Only for a whole matrix: a slice
     *       of one (exit propagation projects through the k | v columns alone) made batch-8
     *       exits 3.4x slower than through matmul.
     * </ul>
     */
    private static String float32Project(int threads) {
        String severalRows = String.join("\n",
                "    if x.size(0) > 1 and weight.is_contiguous():",
                "      return ops.mkldnn._linear_pointwise(x, torch.t(weight), None, \"none\", [],"
                        + " \"\")");
        if (threads < 2) {
            return severalRows + "\n    return torch.matmul(x, weight)";
        }
        return String.join("\n",
                severalRows,
                "    inputs = weight.size(0)",
                "    if inputs * weight.size(1) >= 65536 and weight.is_contiguous():",
                "      per_bag = (inputs + " + (threads - 1) + ") // " + threads,
                // Views of the precomputed 0, 1, 2, ...: the rows, and every per_bag-th as the
                // bags' offsets (making them with arange on every call cost 4% of an s15M
                // step). embedding_bag(weight, indices, offsets, scale_grad_by_freq, mode
                // (0: sum), sparse, per_sample_weights, include_last_offset, padding_idx)
                "      rows = torch.slice(bag_rows, 0, 0, inputs)",
                "      bags = torch.embedding_bag(weight, rows, torch.slice(rows, 0, 0, inputs,"
                        + " per_bag), False, 0, False, torch.reshape(x, [inputs]), False, None)",
                "      return torch.sum(bags[0], 0, True)",
                "    return torch.matmul(x, weight)");
    }

    @Override
    public void close() {
        noTensors.close();
        noThresholds.close();
        block.close();
    }
}
