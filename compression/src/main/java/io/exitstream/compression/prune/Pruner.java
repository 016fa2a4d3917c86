package io.exitstream.compression.prune;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.exitstream.compression.prune.Criterion.Kind;
import io.exitstream.engine.model.LayerShape;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * Applies a {@link PruneTarget} to a model's weights, given the calibration statistics when the
 * criterion needs them, and says what it did in a JSON report.
 */
public final class Pruner {

    private Pruner() {
    }

    /**
     * Prunes {@code w} (not modified). {@code stats} may be null for criteria that do not
     * {@linkplain Criterion#needsCalibration() need calibration}.
     */
    public static PruneResult prune(LlamaWeights w, PruneTarget target, ActivationStats stats) {
        Criterion criterion = target.criterion();
        if (criterion.needsCalibration() && stats == null) {
            throw new IllegalArgumentException(criterion + " needs calibration data");
        }
        int amount = target.amount(w.config());
        JsonObject report = new JsonObject();
        report.addProperty("criterion", criterion.label());
        if (target.ratio() != null) {
            report.addProperty("ratio", target.ratio());
        }
        if (target.count() != null) {
            report.addProperty("count", target.count());
        }
        LlamaWeights pruned = switch (criterion.kind()) {
            case LAYERS -> {
                int[] removed = criterion == Criterion.LAYERS
                        ? LayerPruning.byBlockInfluence(stats, amount)
                        : LayerPruning.byAngularDistance(stats, amount);
                report.add("removed_layers", ints(removed));
                report.add("kept_layers", ints(LayerPruning.kept(w.config().layers(),
                        removed)));
                yield LayerPruning.remove(w, removed);
            }
            case NEURONS -> NeuronPruning.narrow(w, NeuronPruning.keep(w, amount,
                    criterion.usesActivations() ? stats : null));
            case HEADS -> {
                int[][] kept = HeadPruning.keep(w.config(), HeadPruning.groups(w, stats),
                        amount);
                JsonArray keptGroups = new JsonArray();
                for (int[] layer : kept) {
                    keptGroups.add(ints(layer));
                }
                report.add("kept_kv_heads", keptGroups);
                yield HeadPruning.narrow(w, kept);
            }
            case UNSTRUCTURED, TWO_FOUR -> sparsify(w, criterion, amount / 1e6,
                    criterion.usesActivations() ? stats : null, report);
        };
        describe(w.config(), pruned, report);
        if (stats != null) {
            report.add("calibration", stats.summary());
        }
        return new PruneResult(pruned, report);
    }

    private static LlamaWeights sparsify(LlamaWeights w, Criterion criterion, double sparsity,
            ActivationStats stats, JsonObject report) {
        Map<Projection, float[][]> out = new EnumMap<>(Projection.class);
        JsonObject perProjection = new JsonObject();
        for (Projection p : Projection.values()) {
            float[][] matrices = p.of(w);
            float[][] masked = new float[matrices.length][];
            long zeros = 0;
            long total = 0;
            for (int l = 0; l < matrices.length; l++) {
                int cols = p.columns(w, l);
                float[] scores = SparseMasks.scores(matrices[l], cols,
                        stats == null ? null : stats.inputNorms(p, l));
                boolean[] keep = criterion.kind() == Kind.TWO_FOUR
                        ? SparseMasks.twoOfFour(scores, cols)
                        : SparseMasks.perRow(scores, cols, sparsity);
                masked[l] = SparseMasks.apply(matrices[l], keep);
                zeros += countZeros(masked[l]);
                total += masked[l].length;
            }
            out.put(p, masked);
            perProjection.addProperty(p.name().toLowerCase(), (double) zeros / total);
        }
        report.add("sparsity_per_projection", perProjection);
        return new LlamaWeights(w.config(), w.tokenEmbedding(), w.attentionNorm(),
                out.get(Projection.WQ), out.get(Projection.WK), out.get(Projection.WV),
                out.get(Projection.WO), w.ffnNorm(), out.get(Projection.W1),
                out.get(Projection.W2), out.get(Projection.W3), w.finalNorm(), w.classifier());
    }

    /** Parameter counts and shapes before and after, and the zeros in the block matrices. */
    private static void describe(ModelConfig before, LlamaWeights after, JsonObject report) {
        long zeros = 0;
        long blockWeights = 0;
        for (Projection p : Projection.values()) {
            for (float[] m : p.of(after)) {
                zeros += countZeros(m);
                blockWeights += m.length;
            }
        }
        long parameters = after.config().parameterCount();
        report.addProperty("parameters_before", before.parameterCount());
        report.addProperty("parameters_after", parameters);
        report.addProperty("nonzero_parameters_after", parameters - zeros);
        report.addProperty("removed_fraction",
                1 - (double) (parameters - zeros) / before.parameterCount());
        report.addProperty("block_matrix_sparsity", (double) zeros / blockWeights);
        report.addProperty("layers", after.config().layers());
        report.add("heads_per_layer_before", perLayer(before, LayerShape::heads));
        report.add("heads_per_layer", perLayer(after.config(), LayerShape::heads));
        report.add("ffn_width_per_layer_before", perLayer(before, LayerShape::hiddenDim));
        report.add("ffn_width_per_layer", perLayer(after.config(), LayerShape::hiddenDim));
    }

    private static JsonArray perLayer(ModelConfig c, ToIntFunction<LayerShape> width) {
        return ints(c.layerShapes().stream().mapToInt(width).toArray());
    }

    private static long countZeros(float[] m) {
        long zeros = 0;
        for (float v : m) {
            if (v == 0f) {
                zeros++;
            }
        }
        return zeros;
    }

    private static JsonArray ints(int[] values) {
        JsonArray array = new JsonArray();
        for (int v : values) {
            array.add(v);
        }
        return array;
    }
}
