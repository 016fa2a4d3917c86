package io.exitstream.compression.prune;

import io.exitstream.engine.model.LayerShape;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.Matrices;
import io.exitstream.engine.model.ModelConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Removes feed-forward neurons: row j of the gate and up projections and column j of the down
 * projection go together, so the result is a dense model with a narrower FFN. The same number
 * of neurons goes from every layer, chosen per layer.
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
        int d = w.config().dim();
        int h = w.config().layer(l).hiddenDim();
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

    /** The neurons of each layer to keep when {@code n} go from each: the highest scores. */
    static int[][] keep(LlamaWeights w, int n, ActivationStats stats) {
        int layers = w.config().layers();
        int[][] kept = new int[layers][];
        for (int l = 0; l < layers; l++) {
            double[] s = scores(w, l, stats);
            kept[l] = IntStream.range(0, s.length).boxed()
                    .sorted(Comparator.comparingDouble((Integer j) -> s[j]).reversed())
                    .limit(s.length - n).mapToInt(Integer::intValue).sorted().toArray();
        }
        return kept;
    }

    /** {@code w} with only neurons {@code kept[l]} in layer l. */
    static LlamaWeights narrow(LlamaWeights w, int[][] kept) {
        ModelConfig c = w.config();
        int d = c.dim();
        int layers = c.layers();
        float[][] w1 = new float[layers][];
        float[][] w3 = new float[layers][];
        float[][] w2 = new float[layers][];
        List<LayerShape> shapes = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            w1[l] = Matrices.rows(w.w1()[l], d, kept[l]);
            w3[l] = Matrices.rows(w.w3()[l], d, kept[l]);
            w2[l] = Matrices.columns(w.w2()[l], c.layer(l).hiddenDim(), kept[l]);
            LayerShape shape = c.layer(l);
            shapes.add(new LayerShape(shape.heads(), shape.kvHeads(), kept[l].length));
        }
        return new LlamaWeights(c.withLayerShapes(shapes), w.tokenEmbedding(),
                w.attentionNorm(), w.wq(), w.wk(), w.wv(), w.wo(), w.ffnNorm(), w1, w2, w3,
                w.finalNorm(), w.classifier());
    }
}
