package io.exitstream.compression.train;

import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Fresh weights for training from scratch, GPT-2 style: every matrix drawn from
 * N(0, 0.02^2), the two projections that write into the residual stream ({@code wo},
 * {@code w2}) scaled down by {@code sqrt(2 * layers)} so that the stream's variance does not
 * grow with depth, and every norm gain 1. The same seed gives the same weights.
 */
public final class Initialization {

    private static final double STD = 0.02;

    private Initialization() {
    }

    public static LlamaWeights of(ModelConfig config, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int d = config.dim();
        int kv = config.kvDim();
        int h = config.hiddenDim();
        int layers = config.layers();
        double residualStd = STD / Math.sqrt(2.0 * layers);
        float[] embedding = normal(random, config.vocabSize() * d, STD);
        float[][] attentionNorm = perLayer(layers, () -> ones(d));
        float[][] wq = perLayer(layers, () -> normal(random, d * d, STD));
        float[][] wk = perLayer(layers, () -> normal(random, kv * d, STD));
        float[][] wv = perLayer(layers, () -> normal(random, kv * d, STD));
        float[][] wo = perLayer(layers, () -> normal(random, d * d, residualStd));
        float[][] ffnNorm = perLayer(layers, () -> ones(d));
        float[][] w1 = perLayer(layers, () -> normal(random, h * d, STD));
        float[][] w2 = perLayer(layers, () -> normal(random, d * h, residualStd));
        float[][] w3 = perLayer(layers, () -> normal(random, h * d, STD));
        float[] classifier = config.sharedClassifier() ? embedding
                : normal(random, config.vocabSize() * d, STD);
        return new LlamaWeights(config, embedding, attentionNorm, wq, wk, wv, wo, ffnNorm, w1,
                w2, w3, ones(d), classifier);
    }

    private static float[][] perLayer(int layers, Supplier<float[]> tensor) {
        float[][] all = new float[layers][];
        for (int l = 0; l < layers; l++) {
            all[l] = tensor.get();
        }
        return all;
    }

    private static float[] normal(SplittableRandom random, int n, double std) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return values;
    }

    private static float[] ones(int n) {
        float[] values = new float[n];
        Arrays.fill(values, 1f);
        return values;
    }
}
