package io.exitstream.compression.reschedule;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import io.exitstream.engine.runtime.KvCache;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Rows;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs skip schedules against the full model on a {@link CalibrationSet}, teacher-forced: each
 * sequence goes through the plan's kept layers in one prefill pass, and every position's
 * prediction is compared with the full model's (greedy agreement) and scored on the true next
 * token (perplexity). A self-speculative plan emits exactly what its kept layers would, so its
 * quality is that of its skip schedule.
 *
 * <p>The same pass reads the exit head after every kept layer, which gives each layer's greedy
 * draft acceptance (drafts that equal the plan's own greedy token): the estimate the planner
 * uses for speculation it has not seen live.
 *
 * <p>Results are cached per skip schedule. Owned by one thread, like the model.
 */
public final class CalibrationProbe implements QualityMeasure, DraftAcceptance, AutoCloseable {

    private final LlamaModel model;
    private final CalibrationSet calibration;
    private final KvCache cache;
    private final Map<List<Integer>, Result> results = new HashMap<>();
    /** Per sequence and position: the full model's greedy token. */
    private final List<int[]> fullTokens;
    private final Result full;

    /** One skip schedule's figures over the whole set. */
    private record Result(double agreement, double meanNll, double[] draftAcceptance) {
    }

    public CalibrationProbe(LlamaModel model, CalibrationSet calibration) {
        this.model = model;
        this.calibration = calibration;
        this.cache = model.newCache(1, calibration.maxLength());
        this.fullTokens = calibration.sequences().stream()
                .map(tokens -> pass(tokens, List.of()).greedy).toList();
        this.full = result(List.of());
    }

    @Override
    public PlanQuality measure(ExecutionPlan plan) {
        plan.validate(model.config());
        Result r = result(plan.skippedLayers());
        return new PlanQuality(r.agreement, Math.exp(r.meanNll), Math.exp(full.meanNll),
                calibration.predictions());
    }

    @Override
    public double rate(List<Integer> skippedLayers, int exitLayer) {
        return result(skippedLayers).draftAcceptance[exitLayer];
    }

    private Result result(List<Integer> skipped) {
        return results.computeIfAbsent(List.copyOf(skipped), this::run);
    }

    private Result run(List<Integer> skipped) {
        int layers = model.config().layers();
        long[] drafts = new long[layers];
        long agreed = 0;
        double nll = 0;
        long predictions = 0;
        for (int s = 0; s < calibration.sequences().size(); s++) {
            int[] tokens = calibration.sequences().get(s);
            int[] reference = fullTokens.get(s);
            Pass pass = pass(tokens, skipped);
            for (int i = 0; i < tokens.length - 1; i++) {
                int own = pass.greedy[i];
                agreed += reference[i] == own ? 1 : 0;
                nll += pass.nll[i];
                for (int layer = 0; layer < layers; layer++) {
                    drafts[layer] += pass.exitGreedy[layer] != null
                            && pass.exitGreedy[layer][i] == own ? 1 : 0;
                }
            }
            predictions += tokens.length - 1;
        }
        double[] acceptance = new double[layers];
        for (int layer = 0; layer < layers; layer++) {
            acceptance[layer] = skipped.contains(layer) ? Double.NaN
                    : (double) drafts[layer] / predictions;
        }
        return new Result((double) agreed / predictions, nll / predictions, acceptance);
    }

    /**
     * One teacher-forced pass.
     *
     * @param greedy the plan's greedy token at each position
     * @param nll the negative log-likelihood of the true next token at each position
     * @param exitGreedy by layer, the exit head's greedy token after that layer; null where
     *     skipped
     */
    private record Pass(int[] greedy, double[] nll, int[][] exitGreedy) {
    }

    private Pass pass(int[] tokens, List<Integer> skipped) {
        ExecutionPlan plan = new ExecutionPlan(0, skipped, new ExitPolicy.None());
        int layers = model.config().layers();
        int[] kept = plan.keptLayers(0, layers);
        int[][] exitGreedy = new int[layers][];
        try (NDManager scope = model.newScope()) {
            Rows rows = model.prefillRows(scope, cache, 0, 0, tokens.length);
            NDArray hidden = model.embed(scope, tokens);
            for (int layer : kept) {
                hidden = model.layer(layer, hidden, rows, cache);
                exitGreedy[layer] = argmax(model.logits(hidden));
            }
            float[] logits = model.logits(hidden).toFloatArray();
            return new Pass(exitGreedy[kept[kept.length - 1]], nll(logits, tokens),
                    exitGreedy);
        }
    }

    private int[] argmax(NDArray logits) {
        long[] ids = logits.argMax(1).toLongArray();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    /** -log p(tokens[i + 1]) under row i's logits, by log-sum-exp. */
    private double[] nll(float[] logits, int[] tokens) {
        int vocab = model.config().vocabSize();
        double[] out = new double[tokens.length - 1];
        for (int i = 0; i < out.length; i++) {
            int offset = i * vocab;
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, logits[offset + v]);
            }
            double sum = 0;
            for (int v = 0; v < vocab; v++) {
                sum += Math.exp(logits[offset + v] - max);
            }
            out[i] = max + Math.log(sum) - logits[offset + tokens[i + 1]];
        }
        return out;
    }

    @Override
    public void close() {
        cache.close();
    }
}
