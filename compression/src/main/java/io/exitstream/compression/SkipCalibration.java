package io.exitstream.compression;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * Chooses a static skip schedule whose greedy agreement with the full model is certified, as
 * {@link ThresholdCalibration} certifies exit thresholds: the candidates skip the first 1, 2,
 * 3, ... layers of a ranking (least influential first, see {@link LayerAnalysis}), tested in
 * that order on held-out text by {@link FixedSequenceTest}, and the longest that passed is
 * chosen. The ranking must come from other text than the test's.
 */
public final class SkipCalibration {

    private SkipCalibration() {
    }

    /** One candidate schedule's test on the held-out text. */
    public record Test(List<Integer> skipped, PlanEvaluator.Quality quality, double pValue,
            boolean passed) {
    }

    /**
     * @param plan the longest certified schedule; skips nothing when even the first candidate
     *     failed (the full model agrees with itself)
     * @param tests every candidate tested, in order; the last failed unless all passed
     */
    public record Result(ExecutionPlan plan, List<Test> tests) {
    }

    /**
     * Tests the schedules that skip growing prefixes of {@code ranking}, leaving at least one
     * layer to run, on the evaluator's (held-out) corpus.
     */
    public static Result calibrate(PlanEvaluator heldOut, List<Integer> ranking,
            ThresholdCalibration.Target target, long version, Progress progress) {
        int longest = Math.min(ranking.size(), heldOut.model().config().layers() - 1);
        List<List<Integer>> candidates = new ArrayList<>();
        for (int n = 1; n <= longest; n++) {
            candidates.add(ranking.subList(0, n).stream().sorted().toList());
        }
        List<Test> tests = FixedSequenceTest.run(candidates,
                skipped -> heldOut.quality(schedule(skipped, version)), target,
                "certify skip schedules", progress).stream()
                .map(o -> new Test(o.candidate(), o.quality(), o.pValue(), o.passed()))
                .toList();
        List<Integer> chosen = tests.stream().filter(Test::passed)
                .reduce((first, second) -> second).map(Test::skipped).orElse(List.of());
        return new Result(schedule(chosen, version), tests);
    }

    private static ExecutionPlan schedule(List<Integer> skipped, long version) {
        return new ExecutionPlan(version, skipped, new ExitPolicy.None());
    }
}
