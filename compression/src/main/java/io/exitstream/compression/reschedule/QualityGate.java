package io.exitstream.compression.reschedule;

import io.exitstream.compression.PlanEvaluator.Quality;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether a candidate plan may replace the plan in force: it must be a different plan,
 * expected to be faster by the budget's margin even at the lower bound of the gain's confidence
 * interval (checked first, so a candidate without gain never costs a model run), and on the calibration prompts it must agree with the full model's greedy tokens and
 * keep its perplexity within the operator's budget.
 */
public final class QualityGate {

    private final GateBudget budget;
    private final QualityMeasure measure;
    /**
     * Measurements by plan shape: the calibration text does not change, so a plan measured
     * once is measured for good, and a candidate that comes back every window costs one run.
     */
    private final Map<String, Quality> measured = new HashMap<>();

    public QualityGate(GateBudget budget, QualityMeasure measure) {
        this.budget = budget;
        this.measure = measure;
    }

    public GateBudget budget() {
        return budget;
    }

    /** Judges a candidate; the reasons say what failed, or when it passes, by what margins. */
    public GateDecision judge(Candidate candidate) {
        double gain = candidate.expectedGain();
        double lower = budget.gainLowerBound(gain, candidate.gainError());
        String speed = format("expected gain %.1f%% +- %.1f%% (%.1f vs %.1f tokens/s), at %.0f%%"
                + " confidence at least %.1f%%,", 100 * gain, 100 * candidate.gainError(),
                candidate.expectedTokensPerSecond(), candidate.currentTokensPerSecond(),
                100 * budget.gainConfidence(), 100 * lower);
        if (candidate.keepsCurrent()) {
            return new GateDecision(candidate, false,
                    List.of("the candidate runs as the plan in force does, version "
                            + candidate.current().version()), Optional.empty());
        }
        if (!(lower >= budget.minGain())) {
            return new GateDecision(candidate, false,
                    List.of(speed + format(" is below the minimum %.1f%%",
                            100 * budget.minGain())),
                    Optional.empty());
        }
        Quality quality = measured.computeIfAbsent(LoopState.shape(candidate.plan()),
                shape -> measure.measure(candidate.plan()));
        List<String> failed = new ArrayList<>();
        List<String> passed = new ArrayList<>();
        passed.add(speed + format(" reaches the minimum %.1f%%", 100 * budget.minGain()));
        String agreement = format("greedy agreement %.3f over %d tokens", quality.agreement(),
                quality.tokens());
        if (quality.agreement() >= budget.minAgreement()) {
            passed.add(agreement + format(" reaches the minimum %.3f", budget.minAgreement()));
        } else {
            failed.add(agreement + format(" is below the minimum %.3f", budget.minAgreement()));
        }
        String perplexity = format("perplexity change %+.1f%% (%.3f vs %.3f)",
                100 * quality.perplexityChange(), quality.perplexity(),
                quality.fullPerplexity());
        if (quality.perplexityChange() <= budget.maxPerplexityIncrease()) {
            passed.add(perplexity + format(" is within the maximum %+.1f%%",
                    100 * budget.maxPerplexityIncrease()));
        } else {
            failed.add(perplexity + format(" is above the maximum %+.1f%%",
                    100 * budget.maxPerplexityIncrease()));
        }
        boolean accepted = failed.isEmpty();
        return new GateDecision(candidate, accepted, accepted ? passed : failed,
                Optional.of(quality));
    }

    private static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }
}
