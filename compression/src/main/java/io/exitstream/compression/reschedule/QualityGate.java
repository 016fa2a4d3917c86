package io.exitstream.compression.reschedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Decides whether a candidate plan may replace the plan in force: it must be expected to be
 * faster by the budget's margin (checked first, so a candidate without gain never costs a model
 * run), and on the calibration prompts it must agree with the full model's greedy tokens and
 * keep its perplexity within the operator's budget.
 */
public final class QualityGate {

    private final GateBudget budget;
    private final QualityMeasure measure;

    public QualityGate(GateBudget budget, QualityMeasure measure) {
        this.budget = budget;
        this.measure = measure;
    }

    public GateBudget budget() {
        return budget;
    }

    public GateDecision judge(Candidate candidate) {
        long start = System.nanoTime();
        List<String> reasons = new ArrayList<>();
        double gain = candidate.expectedGain();
        if (!(gain >= budget.minGain())) {
            reasons.add(format("expected gain %.1f%% is below the minimum %.1f%% (%.1f vs %.1f"
                    + " tokens/s)", 100 * gain, 100 * budget.minGain(),
                    candidate.expectedTokensPerSecond(), candidate.currentTokensPerSecond()));
            return new GateDecision(candidate, false, reasons, Optional.empty(),
                    seconds(start));
        }
        PlanQuality quality = measure.measure(candidate.plan());
        if (!(quality.agreement() >= budget.minAgreement())) {
            reasons.add(format("greedy agreement %.3f is below the minimum %.3f over %d tokens",
                    quality.agreement(), budget.minAgreement(), quality.tokens()));
        }
        if (!(quality.perplexityIncrease() <= budget.maxPerplexityIncrease())) {
            reasons.add(format("perplexity rises %.1f%% (%.3f vs %.3f), above the maximum"
                    + " %.1f%%", 100 * quality.perplexityIncrease(), quality.perplexity(),
                    quality.fullPerplexity(), 100 * budget.maxPerplexityIncrease()));
        }
        return new GateDecision(candidate, reasons.isEmpty(), reasons, Optional.of(quality),
                seconds(start));
    }

    private static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
