package io.exitstream.compression.reschedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import io.exitstream.protos.v1.ScheduleDecision;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** One window's decision over several candidates, fastest first. */
class ReschedulerTest {

    /** Exits at layers 1 to 3 where a token runs 4 of the 5 layers: 5 ms against 6 ms. */
    private static final ExitPolicy.Confidence EXITS = new ExitPolicy.Confidence(
            new TreeMap<>(Map.of(1, 0.9f, 2, 0.9f, 3, 0.9f)), 1);

    private static ScheduleDecision decide(QualityMeasure measure) {
        // Skipping layers 2 and 3 is expected fastest (4 ms a token), the exits next.
        CandidatePlanner planner = new CandidatePlanner(Telemetry.LAYERS,
                new PlannerLimits(2, 0.5, 8, 0), DraftAcceptance.UNKNOWN,
                Optional.of(new CertifiedExits(EXITS, 4.0, Qualities.of(0.97, 10.1, 10, 500))));
        Rescheduler rescheduler = new Rescheduler(Telemetry.MODEL, planner,
                new QualityGate(new GateBudget(0.95, 0.05, 0.05), measure), Clock.systemUTC());
        WindowStats window = new WindowStats();
        Telemetry.fullModelTraffic(0, 40).forEach(window::add);
        return rescheduler.decide(Instant.EPOCH, Instant.ofEpochSecond(60), window,
                ExecutionPlan.full(), Map.of(), Double.NaN);
    }

    @Test
    void whenTheFastestCandidateBreaksABudgetASlowerOneThatKeepsItIsAccepted() {
        ScheduleDecision decision = decide(plan -> plan.skippedLayers().isEmpty()
                ? Qualities.of(0.97, 10.1, 10.0, 500) : Qualities.of(0.80, 12.0, 10.0, 500));

        assertThat(decision.getOutcome()).isEqualTo(ScheduleDecision.Outcome.ACCEPTED);
        assertThat(decision.getCandidate().hasConfidence()).isTrue();
        assertThat(decision.getCandidate().getSkippedLayersList()).isEmpty();
        assertThat(decision.getAgreement()).isEqualTo(0.97);
        assertThat(decision.getReasonsList()).last().asString().startsWith(
                "a faster candidate was rejected first, plan 1 (skips [2, 3], no early exit):"
                        + " greedy agreement 0.800");
    }

    @Test
    void whenNoCandidatePassesTheFastestIsReportedWithWhyTheOthersFailedToo() {
        ScheduleDecision decision = decide(plan -> Qualities.of(0.80, 12.0, 10.0, 500));

        assertThat(decision.getOutcome()).isEqualTo(ScheduleDecision.Outcome.REJECTED);
        assertThat(decision.getCandidate().getSkippedLayersList()).containsExactly(2, 3);
        assertThat(decision.getReasonsList()).last().asString().startsWith(
                "another candidate was rejected too, plan 1 (no skipped layer, confidence exits"
                        + " from layer 1");
    }
}
