package io.exitstream.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Activation;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import java.util.Arrays;

/**
 * A Llama-family decoder that runs one layer at a time on a batch of hidden states.
 *
 * <p>The three steps of a forward pass are public so that execution plans can skip layers or
 * leave early: {@link #embed}, {@link #layer} (any layer, any order) and {@link #logits} (final
 * norm and LM head). {@link #prefill} and {@link #decode} chain them for the full model.
 *
 * <p>Not thread-safe: one engine thread owns a model, its caches and every scope it hands out.
 * Tensors made during a step belong to that step's scope ({@link #newScope()}) and are freed
 * when it closes, so a long generation holds no native memory beyond the weights and the cache.
 */
public final class LlamaModel implements AutoCloseable {

    private final NDManager manager;
    private final DeviceWeights weights;
    private final ModelConfig config;
    private final int qkWidth;

    private LlamaModel(NDManager manager, DeviceWeights weights) {
        this.manager = manager;
        this.weights = weights;
        this.config = weights.config;
        this.qkWidth = config.dim() + config.kvDim();
    }

    /** Copies the weights into tensors; the host arrays may be dropped afterwards. */
    public static LlamaModel load(LlamaWeights weights) {
        NDManager manager = NDManager.newBaseManager();
        try {
            return new LlamaModel(manager, new DeviceWeights(weights, manager));
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public ModelConfig config() {
        return config;
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
    public Rows.Decode decodeRows(NDManager scope, KvCache cache, int[] slots, int[] positions) {
        if (slots.length == 0 || slots.length != positions.length) {
            throw new IllegalArgumentException("need one position per slot, got " + slots.length
                    + " slots and " + positions.length + " positions");
        }
        for (int r = 0; r < slots.length; r++) {
            checkSlot(cache, slots[r]);
            checkPosition(cache, positions[r]);
        }
        return new Rows.Decode(scope, weights, slots, positions);
    }

    /** Rows for positions {@code [start, start + tokens)} of the sequence in {@code slot}. */
    public Rows.Prefill prefillRows(NDManager scope, KvCache cache, int slot, int start,
            int tokens) {
        checkSlot(cache, slot);
        if (tokens <= 0) {
            throw new IllegalArgumentException("prefill needs at least one token");
        }
        checkPosition(cache, start);
        checkPosition(cache, start + tokens - 1);
        return new Rows.Prefill(scope, weights, slot, start, tokens);
    }

    /** Token embeddings, {@code [tokens, dim]}. */
    public NDArray embed(NDManager scope, int[] tokens) {
        for (int token : tokens) {
            if (token < 0 || token >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + token + " is outside the vocabulary"
                        + " of " + config.vocabSize());
            }
        }
        NDArray index = scope.create(Arrays.stream(tokens).asLongStream().toArray());
        NDArray hidden = weights.embedding.get(new NDIndex("{}", index));
        hidden.attach(scope);
        return hidden;
    }

    /**
     * Runs transformer block {@code layer} on {@code hidden [rows, dim]}: attention (storing this
     * layer's keys and values for the rows' positions) then the feed-forward, both residual.
     */
    public NDArray layer(int layer, NDArray hidden, Rows rows, KvCache cache) {
        // Attention: one matmul gives q, k and v. RoPE turns each adjacent pair (a, b) of q and
        // k into (a cos - b sin, a sin + b cos): x * cos + swapPairs(x) * signedSin.
        NDList qkv = rmsNorm(hidden).matMul(weights.attentionIn[layer])
                .split(new long[] {qkWidth}, 1);
        NDArray qkRaw = qkv.get(0);
        NDArray swapped = qkRaw.reshape(-1, qkWidth / 2, 2).flip(2).reshape(-1, qkWidth);
        NDArray rotated = qkRaw.mul(rows.cos).add(swapped.mul(rows.sin));
        NDList qk = rotated.split(new long[] {config.dim()}, 1);
        NDArray attention = rows.attend(cache, layer, qk.get(0), qk.get(1), qkv.get(1));
        NDArray x = hidden.add(attention.matMul(weights.attentionOut[layer]));

        // Feed-forward: SwiGLU, with gate and up projections in one matmul.
        NDList gateUp = rmsNorm(x).matMul(weights.ffnIn[layer]).split(2, 1);
        NDArray gate = gateUp.get(0);
        NDArray activated = gate.mul(Activation.sigmoid(gate)).mul(gateUp.get(1));
        return x.add(activated.matMul(weights.ffnOut[layer]));
    }

    /** Final norm and LM head: {@code [rows, vocab]} logits. */
    public NDArray logits(NDArray hidden) {
        return rmsNorm(hidden).matMul(weights.classifier);
    }

    /**
     * Runs {@code tokens} at positions {@code [start, start + tokens.length)} of {@code slot}
     * through the whole model in one pass and returns the logits of the last one.
     */
    public float[] prefill(KvCache cache, int slot, int start, int[] tokens) {
        try (NDManager scope = newScope()) {
            Rows rows = prefillRows(scope, cache, slot, start, tokens.length);
            NDArray hidden = embed(scope, tokens);
            for (int l = 0; l < config.layers(); l++) {
                hidden = layer(l, hidden, rows, cache);
            }
            NDArray last = hidden.get((tokens.length - 1) + ":");
            return logits(last).toFloatArray();
        }
    }

    /**
     * One decode step for several sequences: row r feeds {@code tokens[r]} at
     * {@code positions[r]} of {@code slots[r]}. Returns {@code [rows * vocab]} logits.
     */
    public float[] decode(KvCache cache, int[] slots, int[] positions, int[] tokens) {
        try (NDManager scope = newScope()) {
            Rows rows = decodeRows(scope, cache, slots, positions);
            NDArray hidden = embed(scope, tokens);
            for (int l = 0; l < config.layers(); l++) {
                hidden = layer(l, hidden, rows, cache);
            }
            return logits(hidden).toFloatArray();
        }
    }

    /** RMSNorm without its weight, which is folded into the next matrix. */
    private NDArray rmsNorm(NDArray x) {
        return x.div(x.mul(x).mean(new int[] {-1}, true).add(config.normEps()).sqrt());
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
        weights.close();
        manager.close();
    }
}
