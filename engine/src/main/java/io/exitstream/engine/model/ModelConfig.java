package io.exitstream.engine.model;

/**
 * The shape of a Llama-family decoder: everything needed to allocate weights and caches.
 *
 * @param dim width of the residual stream
 * @param hiddenDim width of the feed-forward layer
 * @param layers number of transformer blocks
 * @param heads number of query heads
 * @param kvHeads number of key/value heads (grouped-query attention when fewer than heads)
 * @param vocabSize number of tokens
 * @param contextLength maximum number of positions (prompt plus generated)
 * @param sharedClassifier whether the LM head reuses the token embedding
 * @param normEps RMSNorm epsilon
 * @param ropeTheta RoPE base frequency
 */
public record ModelConfig(
        int dim,
        int hiddenDim,
        int layers,
        int heads,
        int kvHeads,
        int vocabSize,
        int contextLength,
        boolean sharedClassifier,
        float normEps,
        float ropeTheta) {

    public static final float DEFAULT_NORM_EPS = 1e-5f;
    public static final float DEFAULT_ROPE_THETA = 10000f;

    public ModelConfig {
        requirePositive("dim", dim);
        requirePositive("hidden_dim", hiddenDim);
        requirePositive("layers", layers);
        requirePositive("heads", heads);
        requirePositive("kv_heads", kvHeads);
        requirePositive("vocab_size", vocabSize);
        requirePositive("context_length", contextLength);
        if (dim % heads != 0) {
            throw new IllegalArgumentException(
                    "dim " + dim + " is not a multiple of the head count " + heads);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(
                    "head count " + heads + " is not a multiple of the KV head count " + kvHeads);
        }
        if ((dim / heads) % 2 != 0) {
            throw new IllegalArgumentException(
                    "head size " + dim / heads + " must be even for RoPE");
        }
    }

    /** A config with llama2.c's fixed epsilon and RoPE base. */
    public static ModelConfig llama2c(int dim, int hiddenDim, int layers, int heads, int kvHeads,
            int vocabSize, int contextLength, boolean sharedClassifier) {
        return new ModelConfig(dim, hiddenDim, layers, heads, kvHeads, vocabSize, contextLength,
                sharedClassifier, DEFAULT_NORM_EPS, DEFAULT_ROPE_THETA);
    }

    public int headSize() {
        return dim / heads;
    }

    public int kvDim() {
        return kvHeads * headSize();
    }

    /** Query heads that share one key/value head. */
    public int groupSize() {
        return heads / kvHeads;
    }

    /** Number of weights, counting a shared classifier once. */
    public long parameterCount() {
        long perLayer = 2L * dim + (long) dim * dim * 2 + (long) kvDim() * dim * 2
                + 3L * hiddenDim * dim;
        long embedding = (long) vocabSize * dim;
        return embedding + perLayer * layers + dim + (sharedClassifier ? 0 : embedding);
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
