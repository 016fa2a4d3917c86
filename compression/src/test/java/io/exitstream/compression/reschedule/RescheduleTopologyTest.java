package io.exitstream.compression.reschedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.exitstream.protos.v1.ScheduleDecision;
import io.exitstream.protos.v1.SkipSchedule;
import io.exitstream.protos.v1.TokenEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The topology on synthetic telemetry, without a broker. */
class RescheduleTopologyTest {

    private static final Duration WINDOW = Duration.ofSeconds(60);
    private static final Duration GRACE = Duration.ofSeconds(5);
    /** A model stand-in whose every plan passes the quality budgets. */
    private static final QualityMeasure GOOD = plan -> Qualities.of(0.99, 10.1, 10.0, 100);

    @TempDir
    Path stateDir;

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private TopologyTestDriver driver;
    private TestInputTopic<String, TokenEvent> telemetry;
    private TestOutputTopic<String, ScheduleDecision> decisions;
    private TestOutputTopic<String, SkipSchedule> schedules;

    private void start(PlannerLimits limits, GateBudget budget, QualityMeasure measure) {
        Rescheduler rescheduler = new Rescheduler(Telemetry.MODEL,
                new CandidatePlanner(Telemetry.LAYERS, limits, DraftAcceptance.UNKNOWN),
                new QualityGate(budget, measure), Clock.systemUTC());
        DrivenTopology driven = DrivenTopology.start(
                RescheduleTopology.build(rescheduler, WINDOW, GRACE, registry), stateDir);
        driver = driven.driver();
        telemetry = driven.telemetry();
        decisions = driven.decisions();
        schedules = driven.schedules();
    }

    private void send(List<TokenEvent> events) {
        events.forEach(e -> telemetry.pipeInput(e.getModelId(), e));
    }

    /** Moves stream time past the end and grace of the window that starts at {@code start}. */
    private void closeWindowStartingAt(long startMillis) {
        send(List.of(Telemetry.token(startMillis + WINDOW.toMillis() + GRACE.toMillis(), 0,
                Telemetry.LAYERS, 6)));
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void aggregatesEachModelsTokensPerTumblingWindow() {
        start(PlannerLimits.defaults(Telemetry.LAYERS), GateBudget.defaults(), GOOD);
        send(Telemetry.fullModelTraffic(0, 40));
        send(Telemetry.fullModelTraffic(61_000, 10));
        send(List.of(Telemetry.token(1_000, 0, 5, 6).toBuilder().setModelId("other").build()));

        WindowStore<String, WindowStats> store = driver.getWindowStore(
                RescheduleTopology.STATS_STORE);
        WindowStats first = store.fetch(Telemetry.MODEL, 0L);
        WindowStats expected = new WindowStats();
        Telemetry.fullModelTraffic(0, 40).forEach(expected::add);
        assertThat(first).isEqualTo(expected);
        assertThat(first.influence(2).getAsDouble()).isEqualTo(0.05f);
        assertThat(store.fetch(Telemetry.MODEL, 60_000L).tokens()).isEqualTo(10);
        assertThat(store.fetch("other", 0L)).isNull();
        // The first window is still within its grace: nothing is decided yet.
        assertThat(decisions.isEmpty()).isTrue();
    }

    @Test
    void aClosedWindowPublishesTheLowestInfluenceSkipAndHysteresisHoldsIt() {
        start(PlannerLimits.defaults(Telemetry.LAYERS), GateBudget.defaults(), GOOD);
        send(Telemetry.fullModelTraffic(0, 40));
        closeWindowStartingAt(0);

        ScheduleDecision first = decisions.readValue();
        assertThat(first.getOutcome()).isEqualTo(ScheduleDecision.Outcome.ACCEPTED);
        SkipSchedule published = schedules.readKeyValue().value;
        assertThat(published).isEqualTo(first.getCandidate());
        // A quarter of 5 layers: one, the least influential; 6 ms a token becomes 5 ms.
        assertThat(published.getSkippedLayersList()).containsExactly(2);
        assertThat(published.getVersion()).isEqualTo(1);
        assertThat(published.getWindow().getTokenCount()).isEqualTo(40);
        assertThat(published.getWindow().getStart().getSeconds()).isZero();
        assertThat(published.getWindow().getEnd().getSeconds()).isEqualTo(60);
        assertThat(published.getGate().getExpectedSpeedup()).isCloseTo(1.2, within(1e-9));
        assertThat(first.getAgreement()).isEqualTo(0.99);

        // The next window runs plan 1 and again finds layer 2 the least useful: the candidate
        // is the plan in force, no faster, so nothing new is published.
        send(planOneTraffic(70_000, 40));
        closeWindowStartingAt(60_000);

        ScheduleDecision second = decisions.readValue();
        assertThat(second.getOutcome()).isEqualTo(ScheduleDecision.Outcome.REJECTED);
        assertThat(second.getCandidate().getSkippedLayersList()).containsExactly(2);
        assertThat(second.getReasonsList()).singleElement().asString()
                .contains("runs as the plan in force does, version 1");
        assertThat(schedules.isEmpty()).isTrue();
        assertThat(registry.get("exitstream.schedule.decisions").tag("outcome", "accepted")
                .counter().count()).isEqualTo(1);
        assertThat(registry.get("exitstream.schedule.decisions").tag("outcome", "rejected")
                .counter().count()).isEqualTo(1);
    }

    @Test
    void aGainBelowTheMarginIsNotWorthASwap() {
        start(PlannerLimits.defaults(Telemetry.LAYERS), new GateBudget(0.95, 0.05, 0.25),
                plan -> {
                    throw new AssertionError("the gate must not run the model");
                });
        send(Telemetry.fullModelTraffic(0, 40));
        closeWindowStartingAt(0);

        ScheduleDecision decision = decisions.readValue();
        assertThat(decision.getOutcome()).isEqualTo(ScheduleDecision.Outcome.REJECTED);
        assertThat(decision.getCandidateTokensPerSecond())
                .isGreaterThan(decision.getCurrentTokensPerSecond());
        assertThat(schedules.isEmpty()).isTrue();
    }

    @Test
    void aTooAggressiveCandidateIsRejectedByTheRealModelWithItsReasons() {
        // Allow skipping every middle layer: the planner takes layers 2, 3 and 1.
        start(new PlannerLimits(3, 1.0, 1, 0), GateBudget.defaults(),
                ShippedModelProbe.evaluator()::quality);
        send(Telemetry.fullModelTraffic(0, 40));
        closeWindowStartingAt(0);

        ScheduleDecision decision = decisions.readValue();
        assertThat(decision.getCandidate().getSkippedLayersList()).containsExactly(1, 2, 3);
        assertThat(decision.getCandidate().hasNone()).isTrue();
        assertThat(decision.getOutcome()).isEqualTo(ScheduleDecision.Outcome.REJECTED);
        assertThat(decision.getReasonsList()).hasSize(2);
        assertThat(decision.getReasonsList().get(0)).contains("greedy agreement",
                "below the minimum 0.950");
        assertThat(decision.getReasonsList().get(1)).contains("perplexity change",
                "above the maximum +5.0%");
        assertThat(decision.getAgreement()).isLessThan(0.95);
        assertThat(decision.getPerplexityChange()).isGreaterThan(0.05);
        assertThat(schedules.isEmpty()).isTrue();
    }

    /** Full-model-shaped traffic under plan 1, which skips layer 2 (reported as NaN). */
    private static List<TokenEvent> planOneTraffic(long fromMillis, int count) {
        float[] influence = Telemetry.INFLUENCE.clone();
        influence[2] = Float.NaN;
        return IntStream.range(0, count)
                .mapToObj(i -> Telemetry.token(fromMillis + 100L * i, 1, 4, 5, influence))
                .toList();
    }
}
