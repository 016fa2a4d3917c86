package io.exitstream.engine.model;

import java.util.Collections;
import java.util.List;

/**
 * The shape of a Llama-family decoder: everything needed to allocate weights and caches.
 *
 * <p>{@code heads}, {@code kvHeads} and {@code hiddenDim} describe the model as built; they fix
 * the head size ({@code dim / heads}). Structured pruning may leave blocks with fewer heads or
 * a narrower FFN: {@code layerShapes} holds each block's own widths, and code that allocates or
 * runs a block asks {@link #layer(int)}.
 *
 * @param dim width of the residual stream
 * @param hiddenDim width of the feed-forward layer as built
 * @param layers number of transformer blocks
 * @param heads number of query heads as built
 * @param kvHeads number of key/value heads as built (grouped-query attention when fewer)
 * @param vocabSize number of tokens
 * @param contextLength maximum number of positions (prompt plus generated)
 * @param sharedClassifier whether the LM head reuses the token embedding
 * @param normEps RMSNorm epsilon
 * @param ropeTheta RoPE base frequency
 * @param layerShapes each block's widths, one per layer; null means every block as built
 * @param ropeScaling how RoPE's frequencies are stretched; null means {@link RopeScaling#NONE}
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
        float ropeTheta,
        List<LayerShape> layerShapes,
        RopeScaling ropeScaling) {

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
        LayerShape asBuilt = new LayerShape(heads, kvHeads, hiddenDim);
        layerShapes = layerShapes == null ? Collections.nCopies(layers, asBuilt)
                : List.copyOf(layerShapes);
        if (layerShapes.size() != layers) {
            throw new IllegalArgumentException(
                    layerShapes.size() + " layer shapes for " + layers + " layers");
        }
        ropeScaling = ropeScaling == null ? RopeScaling.NONE : ropeScaling;
        int pairs = dim / heads / 2;
        if (ropeScaling.type() == RopeScaling.Type.FACTORS
                && ropeScaling.pairFactors().size() != pairs) {
            throw new IllegalArgumentException(ropeScaling.pairFactors().size()
                    + " RoPE frequency factors for " + pairs + " pairs per head");
        }
    }

    /** A model with plain RoPE whose blocks have {@code layerShapes} (null: as built). */
    public ModelConfig(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize,
            int contextLength, boolean sharedClassifier, float normEps, float ropeTheta,
            List<LayerShape> layerShapes) {
        this(dim, hiddenDim, layers, heads, kvHeads, vocabSize, contextLength, sharedClassifier,
                normEps, ropeTheta, layerShapes, null);
    }

    /** A model whose blocks all have the shape it was built with. */
    public ModelConfig(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize,
            int contextLength, boolean sharedClassifier, float normEps, float ropeTheta) {
        this(dim, hiddenDim, layers, heads, kvHeads, vocabSize, contextLength, sharedClassifier,
                normEps, ropeTheta, null, null);
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

    /** The widths of block {@code l}. */
    public LayerShape layer(int l) {
        return layerShapes.get(l);
    }

    /** Width of block {@code l}'s queries and of its attention output. */
    public int qDim(int l) {
        return layer(l).heads() * headSize();
    }

    /** Width of block {@code l}'s keys, and of its values. */
    public int kvDim(int l) {
        return layer(l).kvHeads() * headSize();
    }

    /** Whether every block has the shape the model was built with. */
    public boolean uniform() {
        LayerShape asBuilt = new LayerShape(heads, kvHeads, hiddenDim);
        return layerShapes.stream().allMatch(asBuilt::equals);
    }

    /**
     * This model with other blocks (one shape per block, same head size). When every block has
     * the same FFN width it becomes the model's, so that a uniformly narrowed model stays
     * {@linkplain #uniform() uniform}.
     */
    public ModelConfig withLayerShapes(List<LayerShape> shapes) {
        int width = shapes.isEmpty() ? hiddenDim : shapes.get(0).hiddenDim();
        boolean sameWidth = shapes.stream().allMatch(s -> s.hiddenDim() == width);
        return new ModelConfig(dim, sameWidth ? width : hiddenDim, shapes.size(), heads, kvHeads,
                vocabSize, contextLength, sharedClassifier, normEps, ropeTheta, shapes,
                ropeScaling);
    }

    /** This model with RoPE's frequencies stretched by {@code scaling}. */
    public ModelConfig withRopeScaling(RopeScaling scaling) {
        return new ModelConfig(dim, hiddenDim, layers, heads, kvHeads, vocabSize, contextLength,
                sharedClassifier, normEps, ropeTheta, layerShapes, scaling);
    }

    /**
     * The angle per position of RoPE pair {@code j} of every head (elements {@code 2j} and
     * {@code 2j+1} in llama2.c's order): {@code theta^(-2j/headSize)}, then scaled.
     */
    public double ropeInverseFrequency(int j) {
        return ropeScaling.scale(j, 1.0 / Math.pow(ropeTheta, 2.0 * j / headSize()));
    }

    /** Key/value width as built. */
    public int kvDim() {
        return kvHeads * headSize();
    }

    /** Query heads that share one key/value head. */
    public int groupSize() {
        return heads / kvHeads;
    }

    /** Number of weights, counting a shared classifier once. */
    public long parameterCount() {
        long blocks = 0;
        for (int l = 0; l < layers; l++) {
            blocks += layerParameters(l);
        }
        long embedding = (long) vocabSize * dim;
        return embedding + blocks + dim + (sharedClassifier ? 0 : embedding);
    }

    /** Weights of block {@code l}: two norms, q, k, v, o, and the three FFN matrices. */
    public long layerParameters(int l) {
        return 2L * dim + 2L * qDim(l) * dim + 2L * kvDim(l) * dim
                + 3L * layer(l).hiddenDim() * dim;
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
