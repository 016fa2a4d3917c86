package io.exitstream.compression;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Chooses the confidence threshold of an exit plan so that its greedy agreement with the full
 * model is at least a target, with the guarantee of CALM's Learn-then-Test calibration: each
 * candidate threshold {@code λ} (one for every exit layer) is tested on held-out text, from
 * strict to lenient, by {@link FixedSequenceTest}, and the most lenient threshold that passed
 * is chosen.
 */
public final class ThresholdCalibration {

    /** Candidate thresholds, strict to lenient. */
    static final float[] CANDIDATES = {
        0.999f, 0.995f, 0.99f, 0.98f, 0.97f, 0.96f, 0.95f, 0.94f, 0.92f, 0.9f, 0.875f, 0.85f,
        0.8f, 0.75f, 0.7f, 0.65f, 0.6f, 0.55f, 0.5f, 0.45f, 0.4f, 0.35f, 0.3f, 0.25f, 0.2f, 0.15f,
        0.1f, 0.05f
    };

    private ThresholdCalibration() {
    }

    /**
     * What to certify.
     *
     * @param agreement the greedy agreement with the full model, in (0, 1)
     * @param delta the test's error level, in (0, 1): the guarantee holds with probability
     *     {@code 1 - delta}
     */
    public record Target(double agreement, double delta) {

        public Target {
            if (!(agreement > 0 && agreement < 1)) {
                throw new IllegalArgumentException("--agreement must be in (0, 1), got "
                        + agreement);
            }
            if (!(delta > 0 && delta < 1)) {
                throw new IllegalArgumentException("--delta must be in (0, 1), got " + delta);
            }
        }
    }

    /** One candidate's test on the held-out text. */
    public record Test(float threshold, PlanEvaluator.Quality quality, double pValue,
            boolean passed) {
    }

    /**
     * @param plan the plan with the chosen threshold, or null when even the strictest failed
     * @param tests every candidate tested, in order; the last failed unless all passed
     */
    public record Result(ExecutionPlan plan, List<Test> tests) {
    }

    /**
     * Runs the fixed-sequence test for a confidence plan exiting at {@code exitLayers} from
     * {@code minExitLayer} on, scoring on the evaluator's (held-out) corpus with the exit heads
     * the evaluator's model uses.
     *
     * @param finalNorm the model's final RMSNorm weight: candidates above the highest
     *     confidence the heads reach on the full model's states never exit, so they are the
     *     full model and need no scoring (see {@link FullModelConfidence})
     */
    public static Result calibrate(PlanEvaluator heldOut, float[] finalNorm,
            List<Integer> exitLayers, int minExitLayer, Target target, long version,
            Progress progress) {
        // A margin for float rounding between this bound and the engine's own arithmetic.
        double neverExits = FullModelConfidence.max(heldOut.model(), finalNorm, heldOut.corpus(),
                minExitLayer) + 1e-4;
        List<Float> candidates = new ArrayList<>();
        for (float threshold : CANDIDATES) {
            candidates.add(threshold);
        }
        List<Test> tests = FixedSequenceTest.run(candidates,
                threshold -> threshold > neverExits ? heldOut.fullQuality()
                        : heldOut.quality(plan(exitLayers, minExitLayer, threshold, version)),
                target, "calibrate thresholds", progress).stream()
                .map(o -> new Test(o.candidate(), o.quality(), o.pValue(), o.passed()))
                .toList();
        ExecutionPlan chosen = tests.stream().filter(Test::passed)
                .reduce((first, second) -> second)
                .map(t -> plan(exitLayers, minExitLayer, t.threshold(), version))
                .orElse(null);
        return new Result(chosen, tests);
    }

    /** A confidence plan with one threshold for every exit layer. */
    public static ExecutionPlan plan(List<Integer> exitLayers, int minExitLayer, float threshold,
            long version) {
        SortedMap<Integer, Float> thresholds = new TreeMap<>();
        for (int layer : exitLayers) {
            thresholds.put(layer, threshold);
        }
        return new ExecutionPlan(version, List.of(),
                new ExitPolicy.Confidence(thresholds, minExitLayer));
    }

}
