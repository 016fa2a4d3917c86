package io.exitstream.compression;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.exitstream.engine.runtime.KvCache;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Rows;

/**
 * Runs whole token sequences through a model in one prefill pass each, as a scorer does: every
 * position sees the true tokens before it. Owns a one-slot cache; not thread-safe.
 */
final class TeacherForcing implements AutoCloseable {

    private final LlamaModel model;
    private final KvCache cache;

    TeacherForcing(LlamaModel model, Corpus corpus) {
        this.model = model;
        int longest = corpus.sequences().stream().mapToInt(s -> s.length).max().orElseThrow();
        this.cache = model.newCache(1, Math.min(longest, model.config().contextLength()));
    }

    /** Logits {@code [tokens * vocab]} at every position, through the given layers in order. */
    float[] logits(int[] tokens, int[] layers) {
        try (NDManager scope = model.newScope()) {
            Rows rows = model.prefillRows(scope, cache, 0, 0, tokens.length);
            NDArray hidden = model.hidden(scope, tokens, layers, rows, cache);
            return model.logits(hidden).toFloatArray();
        }
    }

    /**
     * Every layer's output and the full model's logits for one sequence.
     *
     * @return hidden states {@code [layers + 1][tokens * dim]} (index 0: the embeddings, index
     *     l + 1: the output of layer l) and the logits after the last layer
     */
    Trace trace(int[] tokens) {
        int layers = model.config().layers();
        float[][] hidden = new float[layers + 1][];
        try (NDManager scope = model.newScope()) {
            Rows rows = model.prefillRows(scope, cache, 0, 0, tokens.length);
            NDArray h = model.embed(scope, tokens);
            hidden[0] = h.toFloatArray();
            for (int l = 0; l < layers; l++) {
                h = model.layer(l, h, rows, cache);
                hidden[l + 1] = h.toFloatArray();
            }
            return new Trace(hidden, model.logits(h).toFloatArray());
        }
    }

    /** One sequence's hidden states after each layer and its final logits. */
    record Trace(float[][] hidden, float[] logits) {
    }

    @Override
    public void close() {
        cache.close();
    }
}
