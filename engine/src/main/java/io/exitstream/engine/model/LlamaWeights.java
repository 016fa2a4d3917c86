package io.exitstream.engine.model;

/**
 * A model's weights on the Java heap, in one canonical layout whatever file they came from.
 *
 * <p>Matrices are row-major {@code [out, in]} (as in llama2.c and PyTorch's {@code nn.Linear}).
 * The rows of {@code wq} and {@code wk} are in llama2.c's RoPE order: each head rotates adjacent
 * pairs {@code (2i, 2i+1)}. Hugging Face checkpoints rotate halves and are permuted on load.
 * Per-layer tensors are indexed {@code [layer][...]}.
 *
 * @param classifier the LM head {@code [vocab, dim]}; the token embedding when shared
 */
public record LlamaWeights(
        ModelConfig config,
        float[] tokenEmbedding,
        float[][] attentionNorm,
        float[][] wq,
        float[][] wk,
        float[][] wv,
        float[][] wo,
        float[][] ffnNorm,
        float[][] w1,
        float[][] w2,
        float[][] w3,
        float[] finalNorm,
        float[] classifier) {

    public LlamaWeights {
        int d = config.dim();
        int kv = config.kvDim();
        int h = config.hiddenDim();
        int layers = config.layers();
        requireLength("token_embedding", tokenEmbedding, (long) config.vocabSize() * d);
        requireLength("classifier", classifier, (long) config.vocabSize() * d);
        requireLength("final_norm", finalNorm, d);
        requireLayers("attention_norm", attentionNorm, layers, d);
        requireLayers("wq", wq, layers, (long) d * d);
        requireLayers("wk", wk, layers, (long) kv * d);
        requireLayers("wv", wv, layers, (long) kv * d);
        requireLayers("wo", wo, layers, (long) d * d);
        requireLayers("ffn_norm", ffnNorm, layers, d);
        requireLayers("w1", w1, layers, (long) h * d);
        requireLayers("w2", w2, layers, (long) d * h);
        requireLayers("w3", w3, layers, (long) h * d);
    }

    private static void requireLayers(String name, float[][] tensors, int layers, long length) {
        if (tensors.length != layers) {
            throw new IllegalArgumentException(
                    name + " has " + tensors.length + " layers, expected " + layers);
        }
        for (int l = 0; l < layers; l++) {
            requireLength(name + "[" + l + "]", tensors[l], length);
        }
    }

    private static void requireLength(String name, float[] tensor, long length) {
        if (tensor == null || tensor.length != length) {
            throw new IllegalArgumentException(name + " has " + (tensor == null ? 0 : tensor.length)
                    + " values, expected " + length);
        }
    }
}
