package io.exitstream.engine.model;

import java.util.function.IntToLongFunction;

/**
 * A model's weights on the Java heap, in one canonical layout whatever file they came from.
 *
 * <p>Matrices are row-major {@code [out, in]} (as in llama2.c and PyTorch's {@code nn.Linear}).
 * The rows of {@code wq} and {@code wk} are in llama2.c's RoPE order: each head rotates adjacent
 * pairs {@code (2i, 2i+1)}. Hugging Face checkpoints rotate halves and are permuted on load.
 * Per-layer tensors are indexed {@code [layer][...]}, each sized by its layer's
 * {@linkplain ModelConfig#layer(int) shape}.
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
        requireLength("token_embedding", tokenEmbedding, (long) config.vocabSize() * d);
        requireLength("classifier", classifier, (long) config.vocabSize() * d);
        requireLength("final_norm", finalNorm, d);
        requireLayers("attention_norm", attentionNorm, config, l -> d);
        requireLayers("wq", wq, config, l -> (long) config.qDim(l) * d);
        requireLayers("wk", wk, config, l -> (long) config.kvDim(l) * d);
        requireLayers("wv", wv, config, l -> (long) config.kvDim(l) * d);
        requireLayers("wo", wo, config, l -> (long) d * config.qDim(l));
        requireLayers("ffn_norm", ffnNorm, config, l -> d);
        requireLayers("w1", w1, config, l -> (long) config.layer(l).hiddenDim() * d);
        requireLayers("w2", w2, config, l -> (long) d * config.layer(l).hiddenDim());
        requireLayers("w3", w3, config, l -> (long) config.layer(l).hiddenDim() * d);
    }

    private static void requireLayers(String name, float[][] tensors, ModelConfig config,
            IntToLongFunction length) {
        if (tensors.length != config.layers()) {
            throw new IllegalArgumentException(
                    name + " has " + tensors.length + " layers, expected " + config.layers());
        }
        for (int l = 0; l < config.layers(); l++) {
            requireLength(name + "[" + l + "]", tensors[l], length.applyAsLong(l));
        }
    }

    private static void requireLength(String name, float[] tensor, long length) {
        if (tensor == null || tensor.length != length) {
            throw new IllegalArgumentException(name + " has " + (tensor == null ? 0 : tensor.length)
                    + " values, expected " + length);
        }
    }
}
