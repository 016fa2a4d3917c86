package io.exitstream.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.exitstream.engine.exits.ExitHeads;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.runtime.DecoderScript.Head;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * A Llama-family decoder that runs one layer at a time on a batch of hidden states.
 *
 * <p>The three steps of a forward pass are public so that execution plans can skip layers or
 * leave early: {@link #embed}, {@link #layers} (any layers, in the order given) and
 * {@link #logits} (final norm and LM head). {@link #prefill} and {@link #decode} chain them for
 * the full model. Each of these is one call into the model's TorchScript program
 * ({@code decoder.py}), however many layers it runs.
 *
 * <p>Not thread-safe: one engine thread owns a model, its caches and every scope it hands out.
 * Tensors made during a step belong to that step's scope ({@link #newScope()}) and are freed
 * when it closes, so a long generation holds no native memory beyond the weights and the cache.
 */
public final class LlamaModel implements AutoCloseable {

    private static final int[] NO_LAYERS = {};

    private final NDManager manager;
    private final DeviceWeights weights;
    private final DecoderScript script;
    private final ModelConfig config;
    private final int[] allLayers;
    /** The final norm's weight, folded into each exit head's confidence weight. */
    private final float[] finalNorm;
    private DeviceExitHeads exitHeads;

    private LlamaModel(NDManager manager, DeviceWeights weights, DecoderScript script,
            float[] finalNorm) {
        this.manager = manager;
        this.weights = weights;
        this.script = script;
        this.config = weights.config;
        this.allLayers = IntStream.range(0, config.layers()).toArray();
        this.finalNorm = finalNorm;
        this.exitHeads = new DeviceExitHeads(ExitHeads.none(), config, finalNorm, manager);
    }

    /** Copies the weights into float32 tensors; the host arrays may be dropped afterwards. */
    public static LlamaModel load(LlamaWeights weights) {
        return load(weights, WeightType.FLOAT32);
    }

    /**
     * Copies the weights into tensors of the given type.
     *
     * @throws IllegalArgumentException for bfloat16 weights on a CPU that cannot run them (see
     *     {@link CpuFeatures}), before PyTorch would abort on them
     */
    public static LlamaModel load(LlamaWeights weights, WeightType type) {
        if (type == WeightType.BFLOAT16) {
            CpuFeatures.host().requireBfloat16("--weights bfloat16");
        }
        NDManager manager = NDManager.newBaseManager();
        try {
            DeviceWeights device = new DeviceWeights(weights, type, manager);
            return new LlamaModel(manager, device, DecoderScript.compile(device, manager),
                    weights.finalNorm().clone());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public ModelConfig config() {
        return config;
    }

    public WeightType weightType() {
        return weights.type;
    }

    /**
     * Gives the model the exit heads that confidence plans exit through (none at first). Plans
     * set after this call use them; sequences already running keep the heads they started
     * with, so earlier heads stay allocated until the model closes (heads are small).
     *
     * @throws io.exitstream.engine.checkpoint.CheckpointException if the heads do not fit the
     *     model
     */
    public void useExitHeads(ExitHeads heads) {
        heads.validate(config);
        exitHeads = new DeviceExitHeads(heads, config, finalNorm, manager);
    }

    /** The heads given by {@link #useExitHeads}, or none. */
    public ExitHeads exitHeads() {
        return exitHeads.heads;
    }

    DeviceExitHeads deviceExitHeads() {
        return exitHeads;
    }

    /** A cache for up to {@code slots} sequences of up to {@code positions} positions each. */
    public KvCache newCache(int slots, int positions) {
        return new KvCache(config, slots, positions, manager);
    }

    /** A scope for one step's tensors: close it when the step's results have been read. */
    public NDManager newScope() {
        return manager.newSubManager();
    }

    /** Rows for one decode step: row r is the next token of the sequence in {@code slots[r]}. */
    public Rows decodeRows(NDManager scope, KvCache cache, int[] slots, int[] positions) {
        if (slots.length == 0 || slots.length != positions.length) {
            throw new IllegalArgumentException("need one position per slot, got " + slots.length
                    + " slots and " + positions.length + " positions");
        }
        for (int r = 0; r < slots.length; r++) {
            checkSlot(cache, slots[r]);
            checkPosition(cache, positions[r]);
        }
        return Rows.decode(scope, slots, positions);
    }

    /** Rows for positions {@code [start, start + tokens)} of the sequence in {@code slot}. */
    public Rows prefillRows(NDManager scope, KvCache cache, int slot, int start,
            int tokens) {
        checkSlot(cache, slot);
        if (tokens <= 0) {
            throw new IllegalArgumentException("prefill needs at least one token");
        }
        checkPosition(cache, start);
        checkPosition(cache, start + tokens - 1);
        return Rows.prefill(scope, slot, start, tokens);
    }

    /** Token embeddings, {@code [tokens, dim]}. */
    public NDArray embed(NDManager scope, int[] tokens) {
        return script.run(scope, tokenIds(scope, tokens), true, Head.NONE, NO_LAYERS, null, null);
    }

    /**
     * Runs transformer block {@code layer} on {@code hidden [rows, dim]}: attention (storing this
     * layer's keys and values for the rows' positions) then the feed-forward, both residual.
     */
    public NDArray layer(int layer, NDArray hidden, Rows rows, KvCache cache) {
        return layers(new int[] {layer}, hidden, rows, cache);
    }

    /**
     * Runs the given blocks in order, in one call into PyTorch. A skip schedule is the list of
     * layers it keeps; running them together is much cheaper than one call per layer.
     */
    public NDArray layers(int[] layers, NDArray hidden, Rows rows, KvCache cache) {
        checkLayers(layers);
        return script.run(hidden.getManager(), hidden, false, Head.NONE, layers, cache, rows);
    }

    /** Final norm and LM head: {@code [rows, vocab]} logits. */
    public NDArray logits(NDArray hidden) {
        return script.run(hidden.getManager(), hidden, false, Head.ALL_ROWS, NO_LAYERS, null,
                null);
    }

    /**
     * Runs {@code tokens} at positions {@code [start, start + tokens.length)} of {@code slot}
     * through the whole model in one pass and returns the logits of the last one.
     */
    public float[] prefill(KvCache cache, int slot, int start, int[] tokens) {
        return prefill(cache, slot, start, tokens, allLayers);
    }

    /** {@link #prefill(KvCache, int, int, int[])} through the given layers only, in order. */
    public float[] prefill(KvCache cache, int slot, int start, int[] tokens, int[] layers) {
        return prefill(cache, slot, start, tokens, layers, Head.LAST_ROW);
    }

    /**
     * {@link #prefill(KvCache, int, int, int[], int[])} that returns every position's logits,
     * {@code [tokens.length * vocab]}: what the prompt's own log probabilities are read from.
     */
    public float[] prefillAllRows(KvCache cache, int slot, int start, int[] tokens,
            int[] layers) {
        return prefill(cache, slot, start, tokens, layers, Head.ALL_ROWS);
    }

    private float[] prefill(KvCache cache, int slot, int start, int[] tokens, int[] layers,
            Head head) {
        checkLayers(layers);
        try (NDManager scope = newScope()) {
            Rows rows = prefillRows(scope, cache, slot, start, tokens.length);
            return script.run(scope, tokenIds(scope, tokens), true, head, layers, cache, rows)
                    .toFloatArray();
        }
    }

    /**
     * One decode step for several sequences: row r feeds {@code tokens[r]} at
     * {@code positions[r]} of {@code slots[r]}. Returns {@code [rows * vocab]} logits.
     */
    public float[] decode(KvCache cache, int[] slots, int[] positions, int[] tokens) {
        return decode(cache, slots, positions, tokens, allLayers);
    }

    /** {@link #decode(KvCache, int[], int[], int[])} through the given layers only, in order. */
    public float[] decode(KvCache cache, int[] slots, int[] positions, int[] tokens,
            int[] layers) {
        return decode(cache, slots, positions, tokens, layers, new StepOutput());
    }

    /**
     * {@link #decode(KvCache, int[], int[], int[], int[])} into {@code output}'s buffer: the
     * logits start at index 0 and are valid until its next copy.
     */
    float[] decode(KvCache cache, int[] slots, int[] positions, int[] tokens, int[] layers,
            StepOutput output) {
        checkLayers(layers);
        try (NDManager scope = newScope()) {
            Rows rows = decodeRows(scope, cache, slots, positions);
            return output.copy(script.run(scope, tokenIds(scope, tokens), true, Head.ALL_ROWS,
                    layers, cache, rows));
        }
    }

    /**
     * One decode step of {@code schedule}'s kept layers in which rows may leave at its exit
     * layers, in one call (see {@link DecoderScript#runExits}). The result lives in
     * {@code output}'s buffer until its next copy.
     */
    DecodedRows decodeExits(KvCache cache, int[] slots, int[] positions, int[] tokens,
            LayerSchedule schedule, boolean influence, StepOutput output) {
        try (NDManager scope = newScope()) {
            Rows rows = decodeRows(scope, cache, slots, positions);
            float[] out = output.copy(script.runExits(scope, tokenIds(scope, tokens),
                    schedule.kept, schedule.thresholds, schedule.heads.tensors, cache, rows,
                    influence));
            return DecodedRows.unpack(out, slots.length, config, influence);
        }
    }

    /**
     * Embeds {@code tokens} and runs the given layers on them, in one call: the hidden states
     * {@code [rows, dim]} in the rows' scope. A self-speculative draft keeps these to verify
     * with the remaining layers later.
     */
    public NDArray hidden(NDManager scope, int[] tokens, int[] layers, Rows rows,
            KvCache cache) {
        checkLayers(layers);
        return script.run(scope, tokenIds(scope, tokens), true, Head.NONE, layers, cache, rows);
    }

    private NDArray tokenIds(NDManager scope, int[] tokens) {
        for (int token : tokens) {
            if (token < 0 || token >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + token
                        + " is outside the vocabulary of " + config.vocabSize());
            }
        }
        return scope.create(Arrays.stream(tokens).asLongStream().toArray());
    }

    private void checkLayers(int[] layers) {
        for (int layer : layers) {
            if (layer < 0 || layer >= config.layers()) {
                throw new IllegalArgumentException("layer " + layer + " is outside 0.."
                        + (config.layers() - 1));
            }
        }
    }

    private static void checkSlot(KvCache cache, int slot) {
        if (slot < 0 || slot >= cache.slots()) {
            throw new IllegalArgumentException("slot " + slot + " is outside the cache's "
                    + cache.slots() + " slots");
        }
    }

    private static void checkPosition(KvCache cache, int position) {
        if (position < 0 || position >= cache.positions()) {
            throw new IllegalArgumentException("position " + position + " is outside the context"
                    + " of " + cache.positions() + " positions");
        }
    }

    @Override
    public void close() {
        script.close();
        weights.close();
        manager.close();
    }
}
