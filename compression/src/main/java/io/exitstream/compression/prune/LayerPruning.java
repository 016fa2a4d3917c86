package io.exitstream.compression.prune;

import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import java.util.Arrays;
import java.util.stream.IntStream;

/** Removes whole transformer blocks: the result is a dense model with fewer layers. */
final class LayerPruning {

    private LayerPruning() {
    }

    /** ShortGPT: the {@code n} layers with the lowest block influence. */
    static int[] byBlockInfluence(ActivationStats stats, int n) {
        return IntStream.range(0, stats.layers).boxed()
                .sorted((a, b) -> Double.compare(stats.blockInfluence(a),
                        stats.blockInfluence(b)))
                .limit(n).mapToInt(Integer::intValue).sorted().toArray();
    }

    /**
     * Gromov et al.: the {@code n} consecutive layers whose input and output are closest in
     * angle. Their last layer is never the model's last (the paper keeps it).
     */
    static int[] byAngularDistance(ActivationStats stats, int n) {
        if (n == 0) {
            return new int[0];
        }
        int best = 0;
        int lastStart = Math.max(0, stats.layers - 1 - n);
        for (int from = 1; from <= lastStart; from++) {
            if (stats.angularDistance(from, n) < stats.angularDistance(best, n)) {
                best = from;
            }
        }
        return IntStream.range(best, best + n).toArray();
    }

    /** {@code w} without the layers in {@code removed} (sorted, distinct). */
    static LlamaWeights remove(LlamaWeights w, int[] removed) {
        ModelConfig c = w.config();
        int[] kept = kept(c.layers(), removed);
        ModelConfig smaller = c.withLayerShapes(
                Arrays.stream(kept).mapToObj(c::layer).toList());
        return new LlamaWeights(smaller, w.tokenEmbedding(), pick(w.attentionNorm(), kept),
                pick(w.wq(), kept), pick(w.wk(), kept), pick(w.wv(), kept), pick(w.wo(), kept),
                pick(w.ffnNorm(), kept), pick(w.w1(), kept), pick(w.w2(), kept),
                pick(w.w3(), kept), w.finalNorm(), w.classifier());
    }

    /** The layers of {@code 0..layers-1} not in {@code removed}, in order. */
    static int[] kept(int layers, int[] removed) {
        return IntStream.range(0, layers).filter(l -> Arrays.binarySearch(removed, l) < 0)
                .toArray();
    }

    private static float[][] pick(float[][] perLayer, int[] kept) {
        return Arrays.stream(kept).mapToObj(l -> perLayer[l]).toArray(float[][]::new);
    }
}
