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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One model's decision per closed window: derive candidates from the window's statistics,
 * judge them with the quality gate, fastest first, until one passes, and say so as a {@link ScheduleDecision} whose candidate
 * carries the window and the gate's figures. An accepted decision's candidate is the schedule
 * to publish.
 */
public final class Rescheduler {

    /**
     * Candidates judged per window at most, fastest first: each quality check runs the model
     * on the calibration text (once per plan: the gate keeps its measurements).
     */
    static final int MAX_JUDGED = 3;

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
     * @param measured observed tokens/s by plan shape ({@link LoopState#shape}) of plans that
     *     were in force: a candidate that was is judged by what it did, not by the cost model
     * @param observedCurrent the plan in force's observed tokens/s in this window, NaN if
     *     unknown
     */
    public ScheduleDecision decide(Instant start, Instant end, WindowStats stats,
            ExecutionPlan current, Map<String, Double> measured, double observedCurrent) {
        if (stats.latencyByDepth().isEmpty()) {
            return newDecision(observedCurrent).setOutcome(ScheduleDecision.Outcome.REJECTED)
                    .addReasons("the window has no plain decode step latency to fit costs to"
                            + " (" + stats.tokens() + " tokens)")
                    .build();
        }
        List<Candidate> candidates = planner.candidates(stats, current);
        List<ScheduleDecision> rejected = new ArrayList<>();
        for (Candidate candidate : candidates.subList(0, Math.min(MAX_JUDGED,
                candidates.size()))) {
            if (candidate.keepsCurrent() && !rejected.isEmpty()) {
                break; // the plan in force: what comes after it is slower still
            }
            ScheduleDecision decision = judge(start, end, stats, candidate, measured,
                    observedCurrent);
            if (decision.getOutcome() == ScheduleDecision.Outcome.ACCEPTED) {
                return withOthers(decision, "a faster candidate was rejected first", rejected);
            }
            rejected.add(decision);
        }
        // Nothing passed: the fastest candidate's decision, and why the others failed too.
        return withOthers(rejected.get(0), "another candidate was rejected too",
                rejected.subList(1, rejected.size()));
    }

    /** {@code decision} with one more reason per other decision: its plan and reasons. */
    private static ScheduleDecision withOthers(ScheduleDecision decision, String what,
            List<ScheduleDecision> others) {
        ScheduleDecision.Builder with = decision.toBuilder();
        for (ScheduleDecision other : others) {
            with.addReasons(what + ", " + SchedulePlans.describe(SchedulePlans.toPlan(
                    other.getCandidate())) + ": " + String.join("; ", other.getReasonsList()));
        }
        return with.build();
    }

    /** One candidate through the gate, judged by its measured speed if it ran before. */
    private ScheduleDecision judge(Instant start, Instant end, WindowStats stats,
            Candidate candidate, Map<String, Double> measured, double observedCurrent) {
        TelemetryWindow window = window(start, end, stats);
        ScheduleDecision.Builder decision = newDecision(observedCurrent);
        Double measuredSpeed = measured.get(LoopState.shape(candidate.plan()));
        boolean byMeasurement = measuredSpeed != null && !Double.isNaN(observedCurrent)
                && !candidate.keepsCurrent();
        if (byMeasurement) {
            // Two plans must not alternate on the same traffic: one that ran already is
            // judged by the speed it showed, against the plan in force's, both measured.
            decision.addReasons(String.format(Locale.ROOT, "the candidate ran before at %.1f"
                    + " tokens/s: judged by that against the %.1f tokens/s of the plan in"
                    + " force, not by the cost model", measuredSpeed, observedCurrent));
            candidate = new Candidate(candidate.plan(), candidate.current(), candidate.cost(),
                    measuredSpeed, observedCurrent, 0);
        }
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
        if (!byMeasurement) {
            decision.setGainError(candidate.gainError());
        }
        return decision.setCandidate(schedule)
                .setOutcome(verdict.accepted() ? ScheduleDecision.Outcome.ACCEPTED
                        : ScheduleDecision.Outcome.REJECTED)
                .addAllReasons(verdict.reasons())
                .setCurrentTokensPerSecond(candidate.currentTokensPerSecond())
                .setCandidateTokensPerSecond(candidate.expectedTokensPerSecond())
                .build();
    }

    /** A decision of this model, now, with the plan in force's observed speed if known. */
    ScheduleDecision.Builder newDecision(double observedCurrent) {
        ScheduleDecision.Builder decision = ScheduleDecision.newBuilder()
                .setModelId(modelId)
                .setTime(timestamp(clock.instant()));
        if (!Double.isNaN(observedCurrent)) {
            decision.setObservedTokensPerSecond(observedCurrent);
        }
        return decision;
    }

    /** The window a decision was made on, as schedules carry it. */
    static TelemetryWindow window(Instant start, Instant end, WindowStats stats) {
        return TelemetryWindow.newBuilder()
                .setStart(timestamp(start)).setEnd(timestamp(end))
                .setTokenCount(stats.tokens()).build();
    }

    private static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano())
                .build();
    }
}
