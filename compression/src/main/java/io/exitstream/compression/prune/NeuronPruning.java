package io.exitstream.compression.prune;

import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Removes feed-forward neurons: row j of the gate and up projections and column j of the down
 * projection go together, so the result is a dense model with a narrower FFN. The same number
 * of neurons goes from every layer, chosen per layer: the engine's shapes are uniform across
 * layers.
 */
final class NeuronPruning {

    private NeuronPruning() {
    }

    /**
     * A score per neuron of layer {@code l}. Wanda: {@code ||a_j|| * sum_i |W2[i, j]|}, the
     * neuron's activation norm times its output weights. Magnitude (no stats): the L1 norm of
     * its gate, up and down weights.
     */
    static double[] scores(LlamaWeights w, int l, ActivationStats stats) {
        ModelConfig c = w.config();
        int d = c.dim();
        int h = c.hiddenDim();
        double[] scores = new double[h];
        float[] w2 = w.w2()[l];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < h; j++) {
                scores[j] += Math.abs(w2[i * h + j]);
            }
        }
        if (stats != null) {
            float[] norms = stats.inputNorms(Projection.W2, l);
            for (int j = 0; j < h; j++) {
                scores[j] *= norms[j];
            }
            return scores;
        }
        for (int j = 0; j < h; j++) {
            for (int i = 0; i < d; i++) {
                scores[j] += Math.abs(w.w1()[l][j * d + i]) + Math.abs(w.w3()[l][j * d + i]);
            }
        }
        return scores;
    }

    /** The neurons of each layer to keep when {@code n} go: the highest scores, in order. */
    static int[][] keep(LlamaWeights w, int n, ActivationStats stats) {
        int layers = w.config().layers();
        int h = w.config().hiddenDim();
        int[][] kept = new int[layers][];
        for (int l = 0; l < layers; l++) {
            double[] s = scores(w, l, stats);
            kept[l] = IntStream.range(0, h).boxed()
                    .sorted(Comparator.comparingDouble((Integer j) -> s[j]).reversed())
                    .limit(h - n).mapToInt(Integer::intValue).sorted().toArray();
        }
        return kept;
    }

    /** {@code w} with only neurons {@code kept[l]} in layer l (the same count per layer). */
    static LlamaWeights narrow(LlamaWeights w, int[][] kept) {
        ModelConfig c = w.config();
        int d = c.dim();
        int h = c.hiddenDim();
        int width = kept[0].length;
        ModelConfig narrower = new ModelConfig(d, width, c.layers(), c.heads(), c.kvHeads(),
                c.vocabSize(), c.contextLength(), c.sharedClassifier(), c.normEps(),
                c.ropeTheta());
        int layers = c.layers();
        float[][] w1 = new float[layers][width * d];
        float[][] w3 = new float[layers][width * d];
        float[][] w2 = new float[layers][d * width];
        for (int l = 0; l < layers; l++) {
            for (int k = 0; k < width; k++) {
                int j = kept[l][k];
                System.arraycopy(w.w1()[l], j * d, w1[l], k * d, d);
                System.arraycopy(w.w3()[l], j * d, w3[l], k * d, d);
                for (int i = 0; i < d; i++) {
                    w2[l][i * width + k] = w.w2()[l][i * h + j];
                }
            }
        }
        return new LlamaWeights(narrower, w.tokenEmbedding(), w.attentionNorm(), w.wq(), w.wk(),
                w.wv(), w.wo(), w.ffnNorm(), w1, w2, w3, w.finalNorm(), w.classifier());
    }
}
