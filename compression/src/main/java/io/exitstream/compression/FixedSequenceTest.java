package io.exitstream.compression;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * CALM's Learn-then-Test by fixed-sequence testing, shared by the calibrations that certify a
 * plan's greedy agreement with the full model. Candidates, ordered from the safest to the
 * boldest, are each a test of {@code H0: disagreement rate > ε}, {@code ε = 1 - target}, on
 * held-out text: with {@code k} disagreements among {@code n} scored tokens the p-value is the
 * binomial tail {@code P(Bin(n, ε) <= k)}. The sequence stops at the first p-value above
 * {@code δ}. Fixed-sequence testing needs no multiplicity correction, so with probability at
 * least {@code 1 - δ} every candidate that passed has a disagreement rate of at most {@code ε}
 * — if held-out tokens were independent, which tokens of one text are not quite; more, shorter
 * sequences make the guarantee closer to honest. The order must not come from the held-out text.
 */
final class FixedSequenceTest {

    private FixedSequenceTest() {
    }

    /** One candidate's test. */
    record Outcome<C>(C candidate, PlanEvaluator.Quality quality, double pValue,
            boolean passed) {
    }

    /**
     * Tests {@code candidates} in order, scoring each with {@code score}, until one fails.
     *
     * @return every candidate tested, in order; the last failed unless all passed
     */
    static <C> List<Outcome<C>> run(List<C> candidates,
            Function<C, PlanEvaluator.Quality> score, ThresholdCalibration.Target target,
            String task, Progress progress) {
        double epsilon = 1 - target.agreement();
        List<Outcome<C>> outcomes = new ArrayList<>();
        progress.begin(task, candidates.size());
        for (C candidate : candidates) {
            PlanEvaluator.Quality quality = score.apply(candidate);
            double p = binomialTail(quality.tokens(), quality.disagreements(), epsilon);
            Outcome<C> outcome = new Outcome<>(candidate, quality, p, p <= target.delta());
            outcomes.add(outcome);
            progress.step();
            if (!outcome.passed()) {
                break;
            }
        }
        progress.end();
        return outcomes;
    }

    /** {@code P(X <= k)} for {@code X ~ Binomial(n, p)}, summed in log space. */
    static double binomialTail(int n, int k, double p) {
        double logRatio = Math.log(p) - Math.log1p(-p);
        double logTerm = n * Math.log1p(-p);
        double logSum = logTerm;
        for (int i = 0; i < k; i++) {
            logTerm += Math.log((double) (n - i) / (i + 1)) + logRatio;
            double hi = Math.max(logSum, logTerm);
            logSum = hi + Math.log(Math.exp(logSum - hi) + Math.exp(logTerm - hi));
        }
        return Math.min(1, Math.exp(logSum));
    }
}
