package io.exitstream.compression.reschedule;

import io.exitstream.protos.v1.ScheduleDecision;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What the quality gate measured on each candidate, for dashboards: agreement with the full
 * model, perplexity ratio to it, and the predicted speedup over the plan in force, each a
 * summary (count and sum) by model and outcome, so that a dashboard can show the mean over any
 * time range, of accepted and rejected candidates apart.
 */
final class GateMetrics {

    private GateMetrics() {
    }

    /** Records one decision's measurements; {@code outcome} is its label value. */
    static void record(MeterRegistry registry, String outcome, ScheduleDecision decision) {
        // A decision the gate took without running the model (too few tokens, a rollback)
        // measured no agreement: recording 0 would drag the mean down.
        if (decision.hasAgreement()) {
            summary(registry, "exitstream.schedule.candidate.agreement",
                    "Fraction of a candidate's greedy tokens equal to the full model's", outcome,
                    decision).record(decision.getAgreement());
        }
        if (decision.hasPerplexityChange()) {
            // A ratio, not the change: Micrometer's summaries drop negative values.
            summary(registry, "exitstream.schedule.candidate.perplexity.ratio",
                    "A candidate's perplexity over the full model's", outcome, decision)
                    .record(1 + decision.getPerplexityChange());
        }
        if (decision.getCurrentTokensPerSecond() > 0) {
            summary(registry, "exitstream.schedule.candidate.predicted.speedup",
                    "A candidate's expected tokens/s over the plan in force's", outcome,
                    decision).record(decision.getCandidateTokensPerSecond()
                            / decision.getCurrentTokensPerSecond());
        }
    }

    private static DistributionSummary summary(MeterRegistry registry, String name,
            String help, String outcome, ScheduleDecision decision) {
        return DistributionSummary.builder(name).description(help)
                .tag("model", decision.getModelId()).tag("outcome", outcome)
                .register(registry);
    }
}
