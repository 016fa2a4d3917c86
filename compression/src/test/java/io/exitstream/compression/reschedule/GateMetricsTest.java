package io.exitstream.compression.reschedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.exitstream.protos.v1.ScheduleDecision;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class GateMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void recordsWhatTheGateMeasuredByModelAndOutcome() {
        GateMetrics.record(registry, "rejected", decision(0.9, 0.2, 100, 150));
        GateMetrics.record(registry, "rejected", decision(0.8, -0.1, 100, 120));
        GateMetrics.record(registry, "accepted", decision(0.99, 0.01, 100, 110));

        DistributionSummary agreement = summary("agreement", "rejected");
        assertThat(agreement.count()).isEqualTo(2);
        assertThat(agreement.totalAmount()).isCloseTo(1.7, offset(1e-9));
        // A perplexity that fell is still recorded (as a ratio below 1).
        assertThat(summary("perplexity.ratio", "rejected").totalAmount())
                .isCloseTo(1.2 + 0.9, offset(1e-9));
        assertThat(summary("predicted.speedup", "accepted").totalAmount())
                .isCloseTo(1.1, offset(1e-9));
    }

    @Test
    void noSpeedupWithoutAThroughputToCompareWith() {
        GateMetrics.record(registry, "rejected", decision(0.9, 0.2, 0, 150));

        assertThat(registry.find("exitstream.schedule.candidate.predicted.speedup").meters())
                .isEmpty();
        assertThat(summary("agreement", "rejected").count()).isEqualTo(1);
    }

    private DistributionSummary summary(String what, String outcome) {
        return registry.get("exitstream.schedule.candidate." + what).tag("model", "m")
                .tag("outcome", outcome).summary();
    }

    private static ScheduleDecision decision(double agreement, double perplexityChange,
            double current, double candidate) {
        return ScheduleDecision.newBuilder().setModelId("m").setAgreement(agreement)
                .setPerplexityChange(perplexityChange).setCurrentTokensPerSecond(current)
                .setCandidateTokensPerSecond(candidate).build();
    }
}
