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
 * Removes attention heads. With grouped-query attention a key/value head and the query heads
 * that share it go together (a <em>group</em>; one query head without GQA), so every layer keeps
 * the model's group size and the result is a dense model with narrower attention. Groups are
 * ranked across all layers, so layers end up with different head counts; each layer keeps its
 * best group.
 */
final class HeadPruning {

    private HeadPruning() {
    }

    /** A key/value group of one layer and its importance. */
    record Group(int layer, int index, double score) {
    }

    /**
     * Wanda's score summed over a group's share of the output projection: for every column j of
     * {@code wo} its query heads write, {@code ||x_j|| * sum_i |Wo[i, j]|}, the head output's
     * activation norm times the weights that carry it into the residual stream.
     */
    static List<Group> groups(LlamaWeights w, ActivationStats stats) {
        ModelConfig c = w.config();
        int d = c.dim();
        List<Group> groups = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            int width = c.qDim(l);
            int groupWidth = c.layer(l).groupSize() * c.headSize();
            float[] norms = stats.inputNorms(Projection.WO, l);
            float[] wo = w.wo()[l];
            double[] scores = new double[c.layer(l).kvHeads()];
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < width; j++) {
                    scores[j / groupWidth] += Math.abs(wo[i * width + j]) * norms[j];
                }
            }
            for (int g = 0; g < scores.length; g++) {
                groups.add(new Group(l, g, scores[g]));
            }
        }
        return groups;
    }

    /**
     * The groups of each layer to keep when {@code n} go: the lowest scores across layers,
     * never a layer's best group.
     */
    static int[][] keep(ModelConfig c, List<Group> groups, int n) {
        List<Group> protectedGroups = IntStream.range(0, c.layers())
                .mapToObj(l -> groups.stream().filter(g -> g.layer() == l)
                        .max(Comparator.comparingDouble(Group::score)).orElseThrow())
                .toList();
        List<Group> removed = groups.stream().filter(g -> !protectedGroups.contains(g))
                .sorted(Comparator.comparingDouble(Group::score)).limit(n).toList();
        int[][] kept = new int[c.layers()][];
        for (int l = 0; l < c.layers(); l++) {
            int layer = l;
            kept[l] = groups.stream().filter(g -> g.layer() == layer && !removed.contains(g))
                    .mapToInt(Group::index).sorted().toArray();
        }
        return kept;
    }

    /** {@code w} with only key/value groups {@code kept[l]} (and their query heads) in layer l. */
    static LlamaWeights narrow(LlamaWeights w, int[][] kept) {
        ModelConfig c = w.config();
        int d = c.dim();
        int hs = c.headSize();
        int layers = c.layers();
        float[][] wq = new float[layers][];
        float[][] wk = new float[layers][];
        float[][] wv = new float[layers][];
        float[][] wo = new float[layers][];
        List<LayerShape> shapes = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            LayerShape shape = c.layer(l);
            int group = shape.groupSize();
            int[] kvRows = Matrices.blocks(kept[l], hs);
            int[] qRows = Matrices.blocks(kept[l], group * hs);
            wq[l] = Matrices.rows(w.wq()[l], d, qRows);
            wk[l] = Matrices.rows(w.wk()[l], d, kvRows);
            wv[l] = Matrices.rows(w.wv()[l], d, kvRows);
            wo[l] = Matrices.columns(w.wo()[l], c.qDim(l), qRows);
            shapes.add(new LayerShape(kept[l].length * group, kept[l].length,
                    shape.hiddenDim()));
        }
        return new LlamaWeights(c.withLayerShapes(shapes), w.tokenEmbedding(),
                w.attentionNorm(), wq, wk, wv, wo, w.ffnNorm(), w.w1(), w.w2(), w.w3(),
                w.finalNorm(), w.classifier());
    }
}
