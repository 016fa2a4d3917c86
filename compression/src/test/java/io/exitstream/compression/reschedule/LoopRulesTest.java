package io.exitstream.compression.reschedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.exitstream.protos.v1.ScheduleDecision;
import io.exitstream.protos.v1.SkipSchedule;
import io.exitstream.protos.v1.TokenEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loop's rules (evidence, dwell, trial and rollback, no alternation) over many windows of
 * synthetic telemetry from a simulated server that applies each published schedule, without a
 * broker.
 */
class LoopRulesTest {

    private static final Duration WINDOW = Duration.ofSeconds(60);
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final int TOKENS_PER_WINDOW = 300;
    /** Evidence: 200 tokens; two windows between changes; two trial windows. */
    private static final LoopRules RULES = new LoopRules(200, WINDOW.multipliedBy(2), 2);
    private static final QualityMeasure GOOD = plan -> Qualities.of(0.99, 10.1, 10.0, 100);

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, TokenEvent> telemetry;
    private TestOutputTopic<String, ScheduleDecision> decisions;
    private TestOutputTopic<String, SkipSchedule> schedules;
    private final List<ScheduleDecision> decided = new ArrayList<>();
    private final Random noise = new Random(42);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** The simulated server's plan in force. */
    private SkipSchedule inForce = SkipSchedule.getDefaultInstance();

    private void start(PlannerLimits limits) {
        Rescheduler rescheduler = new Rescheduler(Telemetry.MODEL,
                new CandidatePlanner(Telemetry.LAYERS, limits, DraftAcceptance.UNKNOWN),
                new QualityGate(GateBudget.defaults(), GOOD), Clock.systemUTC());
        DrivenTopology driven = DrivenTopology.start(RescheduleTopology.build(rescheduler, RULES,
                WINDOW, GRACE, registry), stateDir);
        driver = driven.driver();
        telemetry = driven.telemetry();
        decisions = driven.decisions();
        schedules = driven.schedules();
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    /** How the simulated hardware runs a plan: step milliseconds of a token, before noise. */
    @FunctionalInterface
    private interface Hardware {
        double stepMillis(SkipSchedule plan, int layers);
    }

    /** What the cost model assumes: 1 ms plus 1 ms per layer run. */
    private static final Hardware AS_PREDICTED = (plan, layers) -> 1 + layers;

    /**
     * Serves one window of traffic: tokens spread over it under the plan in force, each step
     * +-10 % noisy, every other one sampled for {@code influence}. The server applies a
     * schedule as soon as it is published, as the re-scheduler decides on the window before
     * (closed by this window's first token).
     */
    private void serveWindow(int index, float[] influence, Hardware hardware) {
        long from = index * WINDOW.toMillis() + GRACE.toMillis() + 1000;
        long span = WINDOW.toMillis() - GRACE.toMillis() - 2000;
        for (int i = 0; i < TOKENS_PER_WINDOW; i++) {
            int layers = Telemetry.LAYERS - inForce.getSkippedLayersCount();
            float[] sampled = i % 2 == 0 ? influence.clone() : new float[0];
            if (sampled.length > 0) {
                inForce.getSkippedLayersList().forEach(l -> sampled[l] = Float.NaN);
            }
            double step = hardware.stepMillis(inForce, layers) * (0.9 + 0.2 * noise.nextDouble());
            TokenEvent event = Telemetry.token(from + span * i / TOKENS_PER_WINDOW,
                    inForce.getVersion(), layers, step, sampled);
            telemetry.pipeInput(event.getModelId(), event);
            while (!decisions.isEmpty()) {
                decided.add(decisions.readValue());
            }
            while (!schedules.isEmpty()) {
                inForce = schedules.readValue();
            }
        }
    }

    private long count(ScheduleDecision.Outcome outcome, int fromWindow) {
        return decided.stream().skip(fromWindow).filter(d -> d.getOutcome() == outcome).count();
    }

    private static float[] influence(float layer2, float layer3) {
        return new float[] {0.9f, 0.3f, layer2, layer3, 0.8f};
    }

    @Test
    void steadyTrafficMakesOneChangeAndThenHoldsIt() {
        start(PlannerLimits.defaults(Telemetry.LAYERS));
        for (int w = 0; w < 20; w++) {
            serveWindow(w, influence(0.05f, 0.5f), AS_PREDICTED);
        }

        assertThat(decided).hasSize(19);
        assertThat(count(ScheduleDecision.Outcome.ACCEPTED, 0)).as("%s", decided).isEqualTo(1);
        assertThat(count(ScheduleDecision.Outcome.ROLLED_BACK, 0)).isZero();
        assertThat(inForce.getSkippedLayersList()).containsExactly(2);
        // The first decision changes the plan; the trial confirms it; then nothing moves.
        assertThat(decided.get(0).getOutcome()).isEqualTo(ScheduleDecision.Outcome.ACCEPTED);
        assertThat(decided.get(0).hasGainError()).isTrue();
        assertThat(decided.get(1).getReasonsList()).singleElement().asString()
                .contains("plan 1 is on trial: 1 of 2 windows");
        assertThat(decided.stream().flatMap(d -> d.getReasonsList().stream()))
                .anySatisfy(r -> assertThat(r).contains("plan 1 made", "it stays"));
    }

    @Test
    void aWindowWithTooFewTokensChangesNothing() {
        start(PlannerLimits.defaults(Telemetry.LAYERS));
        List<TokenEvent> few = Telemetry.fullModelTraffic(0, 40);
        few.forEach(e -> telemetry.pipeInput(e.getModelId(), e));
        TokenEvent closing = Telemetry.token(WINDOW.plus(GRACE).toMillis(), 0, 5, 6);
        telemetry.pipeInput(closing.getModelId(), closing);

        ScheduleDecision decision = decisions.readValue();
        assertThat(decision.getOutcome()).isEqualTo(ScheduleDecision.Outcome.REJECTED);
        assertThat(decision.getReasonsList()).singleElement().asString()
                .contains("the window holds 40 tokens, fewer than the 200 a change needs");
        assertThat(schedules.isEmpty()).isTrue();
    }

    @Test
    void whenTheTrafficChangesShapeTheLoopFollowsOnce() {
        // Up to two layers, each of influence at most 0.2.
        start(new PlannerLimits(2, 0.2, 8, 0));
        for (int w = 0; w < 10; w++) {
            serveWindow(w, influence(0.05f, 0.5f), AS_PREDICTED);
        }
        assertThat(count(ScheduleDecision.Outcome.ACCEPTED, 0)).as("%s", decided).isEqualTo(1);
        assertThat(inForce.getSkippedLayersList()).containsExactly(2);

        // New prompts: layer 3 now matters little too.
        int before = decided.size();
        for (int w = 10; w < 22; w++) {
            serveWindow(w, influence(0.05f, 0.1f), AS_PREDICTED);
        }
        assertThat(count(ScheduleDecision.Outcome.ACCEPTED, before)).as("%s", decided)
                .isEqualTo(1);
        assertThat(count(ScheduleDecision.Outcome.ROLLED_BACK, 0)).isZero();
        assertThat(inForce.getSkippedLayersList()).containsExactly(2, 3);
        // It followed within the first windows of the new shape, then held.
        assertThat(decided.subList(decided.size() - 6, decided.size()))
                .allSatisfy(d -> assertThat(d.getOutcome())
                        .isEqualTo(ScheduleDecision.Outcome.REJECTED));
    }

    @Test
    void aPlanThatDoesNotDeliverItsPredictedGainIsRolledBackAndNotTriedAgain() {
        start(PlannerLimits.defaults(Telemetry.LAYERS));
        // Skipping a layer is predicted to save a sixth, but on this hardware it is slower (as
        // a plan that breaks a fused kernel might be).
        Hardware slowerWhenSkipping = (plan, layers) -> plan.getSkippedLayersCount() > 0
                ? 7.5 : 1 + layers;
        for (int w = 0; w < 16; w++) {
            serveWindow(w, influence(0.05f, 0.5f), slowerWhenSkipping);
        }

        assertThat(count(ScheduleDecision.Outcome.ACCEPTED, 0)).as("%s", decided).isEqualTo(1);
        assertThat(count(ScheduleDecision.Outcome.ROLLED_BACK, 0)).isEqualTo(1);
        ScheduleDecision rollback = decided.stream()
                .filter(d -> d.getOutcome() == ScheduleDecision.Outcome.ROLLED_BACK)
                .findFirst().orElseThrow();
        assertThat(rollback.getReasonsList()).singleElement().asString()
                .contains("plan 1 made", "over 2 trial windows", "predicted +20.0%",
                        "rolled back to the plan before it, as plan 2");
        assertThat(rollback.getCandidate().getSkippedLayersList()).isEmpty();
        assertThat(rollback.getCandidate().getVersion()).isEqualTo(2);
        assertThat(rollback.getCurrentTokensPerSecond())
                .isLessThan(rollback.getCandidateTokensPerSecond());
        // The server runs the full model again, and the slow plan is judged by what it did.
        assertThat(inForce.getVersion()).isEqualTo(2);
        assertThat(inForce.getSkippedLayersList()).isEmpty();
        assertThat(decided.stream().flatMap(d -> d.getReasonsList().stream()))
                .anySatisfy(r -> assertThat(r).contains("the candidate ran before at"));
        // On /metrics: the rollback, the gain observed and predicted, the gate's figures.
        assertThat(registry.get("exitstream.schedule.decisions").tag("outcome", "rolled_back")
                .counter().count()).isEqualTo(1);
        assertThat(registry.get("exitstream.schedule.last.observed.gain").gauge().value())
                .isCloseTo(rollback.getObservedGain(), within(1e-9)).isNegative();
        // The last gain the cost model predicted is the accepted plan's: later candidates
        // were judged by measurement.
        assertThat(registry.get("exitstream.schedule.last.predicted.gain").gauge().value())
                .isCloseTo(0.2, within(0.01));
        assertThat(registry.get("exitstream.schedule.last.agreement").gauge().value())
                .isEqualTo(0.99);
    }

    @Test
    void aTrialComparesSpeedsAtEqualBatchSizes() {
        // Before: batch 1 at 6 ms a token, batch 4 at 2 ms a token (step 8 ms). The trial ran
        // only at batch 4, at 1.6 ms a token: 25 % faster there, though its mix differs.
        Map<Integer, WindowStats.Speed> before = Map.of(
                1, new WindowStats.Speed(100, 0.6, 0), 4, new WindowStats.Speed(100, 0.2, 0));
        Map<Integer, WindowStats.Speed> trial = Map.of(4, new WindowStats.Speed(200, 0.32, 0));

        assertThat(PlanLoop.gainAtEqualBatches(trial, 1, before, 1))
                .isCloseTo(0.25, within(1e-9));
        assertThat(PlanLoop.gainAtEqualBatches(Map.of(2, new WindowStats.Speed(10, 0.1, 0)),
                1, before, 1)).as("no batch size in common").isNaN();
    }
}
