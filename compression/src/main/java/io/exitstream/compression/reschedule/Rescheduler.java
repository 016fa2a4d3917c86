package io.exitstream.compression.reschedule;

import com.google.protobuf.Timestamp;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.protos.SchedulePlans;
import io.exitstream.protos.v1.GateResult;
import io.exitstream.protos.v1.ScheduleDecision;
import io.exitstream.protos.v1.SkipSchedule;
import io.exitstream.protos.v1.TelemetryWindow;
import java.time.Clock;
import java.time.Instant;

/**
 * One model's decision per closed window: derive a candidate from the window's statistics,
 * judge it with the quality gate, and say so as a {@link ScheduleDecision} whose candidate
 * carries the window and the gate's figures. An accepted decision's candidate is the schedule
 * to publish.
 */
public final class Rescheduler {

    private final String modelId;
    private final CandidatePlanner planner;
    private final QualityGate gate;
    private final Clock clock;

    public Rescheduler(String modelId, CandidatePlanner planner, QualityGate gate, Clock clock) {
        this.modelId = modelId;
        this.planner = planner;
        this.gate = gate;
        this.clock = clock;
    }

    public String modelId() {
        return modelId;
    }

    /**
     * Decides on the window {@code [start, end)}.
     *
     * @param current the plan in force for the model
     */
    public ScheduleDecision decide(Instant start, Instant end, WindowStats stats,
            ExecutionPlan current) {
        TelemetryWindow window = TelemetryWindow.newBuilder()
                .setStart(timestamp(start)).setEnd(timestamp(end))
                .setTokenCount(stats.tokens()).build();
        ScheduleDecision.Builder decision = ScheduleDecision.newBuilder()
                .setModelId(modelId)
                .setTime(timestamp(clock.instant()));
        if (stats.latencyByDepth().isEmpty()) {
            return decision.setOutcome(ScheduleDecision.Outcome.REJECTED)
                    .addReasons("the window has no plain decode step latency to fit costs to"
                            + " (" + stats.tokens() + " tokens)")
                    .build();
        }
        Candidate candidate = planner.derive(stats, current);
        GateDecision verdict;
        try {
            verdict = gate.judge(candidate);
        } catch (RuntimeException e) {
            // A gate that cannot measure must not publish, nor stop the loop for good.
            return decision.setCandidate(SchedulePlans.toSchedule(modelId, candidate.plan())
                            .toBuilder().setWindow(window))
                    .setOutcome(ScheduleDecision.Outcome.REJECTED)
                    .addReasons("the quality gate failed: " + e)
                    .build();
        }
        GateResult.Builder result = GateResult.newBuilder()
                .setExpectedSpeedup(1 + candidate.expectedGain());
        verdict.quality().ifPresent(q -> result.setAgreement(q.agreement())
                .setPerplexityChange(q.perplexityChange()));
        SkipSchedule schedule = SchedulePlans.toSchedule(modelId, candidate.plan()).toBuilder()
                .setWindow(window)
                .setGate(result)
                .build();
        verdict.quality().ifPresent(q -> decision.setAgreement(q.agreement())
                .setPerplexityChange(q.perplexityChange()));
        return decision.setCandidate(schedule)
                .setOutcome(verdict.accepted() ? ScheduleDecision.Outcome.ACCEPTED
                        : ScheduleDecision.Outcome.REJECTED)
                .addAllReasons(verdict.reasons())
                .setCurrentTokensPerSecond(candidate.currentTokensPerSecond())
                .setCandidateTokensPerSecond(candidate.expectedTokensPerSecond())
                .build();
    }

    private static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano())
                .build();
    }
}
