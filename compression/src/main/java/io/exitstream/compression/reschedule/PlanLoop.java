package io.exitstream.compression.reschedule;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import io.exitstream.protos.SchedulePlans;
import io.exitstream.protos.v1.ScheduleDecision;
import io.exitstream.protos.v1.SkipSchedule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rules around each window's decision ({@link LoopRules}), so that an operator can leave
 * the loop alone:
 * <ol>
 * <li>a new plan is on trial for {@code trialWindows} windows: its observed speed (from its
 *     own tokens' telemetry) is compared with the plan it replaced; slower, it is rolled back
 *     (the plan before it is published again, with a new version), and the decision says so;
 * <li>a window with fewer than {@code minWindowTokens} tokens changes nothing;
 * <li>after a change, nothing changes for {@code dwell};
 * <li>otherwise the {@link Rescheduler} decides, judging plans that ran before by the speed
 *     they showed, so that two plans never alternate on the same traffic.
 * </ol>
 * Every outcome is a {@link ScheduleDecision} with its reasons.
 */
final class PlanLoop {

    private final Rescheduler rescheduler;
    private final LoopRules rules;

    PlanLoop(Rescheduler rescheduler, LoopRules rules) {
        this.rescheduler = rescheduler;
        this.rules = rules;
    }

    /**
     * Decides on the window {@code [start, end)} and updates {@code state}.
     *
     * @param inForce the schedule in force, null for the full model
     */
    ScheduleDecision decide(Instant start, Instant end, WindowStats stats, SkipSchedule inForce,
            LoopState state) {
        ExecutionPlan current = inForce == null ? ExecutionPlan.full()
                : SchedulePlans.toPlan(inForce);
        WindowStats.Speed own = stats.speedByVersion().get(current.version());
        boolean enough = own != null && own.tokens() >= Math.max(1, rules.minWindowTokens());
        double observed = enough ? own.tokensPerSecond(draftTokens(current)) : Double.NaN;
        if (!Double.isNaN(observed)) {
            state.measured.put(LoopState.shape(current), observed);
        }
        if (enough) {
            state.inForce(stats.speedByBatch(current.version()));
        }
        List<String> notes = new ArrayList<>();
        double observedGain = Double.NaN;
        if (state.onTrial(current.version())) {
            if (enough) {
                state.trialWindows++;
            }
            if (state.trialWindows < rules.trialWindows()) {
                return rejected(observed, List.of(String.format(Locale.ROOT, "plan %d is on"
                        + " trial: %d of %d windows with at least %d of its tokens measured",
                        current.version(), state.trialWindows, rules.trialWindows(),
                        rules.minWindowTokens())));
            }
            TrialEnd trial = trialEnds(start, end, stats, current, observed, state);
            if (trial.rollback() != null) {
                return trial.rollback();
            }
            notes.add(trial.note());
            observedGain = trial.gain();
        }
        ScheduleDecision decision = evidence(start, end, stats, current, observed, state,
                notes);
        if (!Double.isNaN(observedGain)) {
            decision = decision.toBuilder().setObservedGain(observedGain).build();
        }
        return decision;
    }

    /** The decision after any trial: the evidence rules, then the re-scheduler's. */
    private ScheduleDecision evidence(Instant start, Instant end, WindowStats stats,
            ExecutionPlan current, double observed, LoopState state, List<String> notes) {
        SkipSchedule inForce = SchedulePlans.toSchedule(rescheduler.modelId(), current);
        if (stats.tokens() < rules.minWindowTokens()) {
            notes.add("the window holds " + stats.tokens() + " tokens, fewer than the "
                    + rules.minWindowTokens() + " a change needs");
            return rejected(observed, notes);
        }
        long nextChange = state.changedAtMillis == Long.MIN_VALUE ? Long.MIN_VALUE
                : state.changedAtMillis + rules.dwell().toMillis();
        if (end.toEpochMilli() < nextChange) {
            notes.add("the plan changed at " + Instant.ofEpochMilli(state.changedAtMillis)
                    + "; the next change may come at " + Instant.ofEpochMilli(nextChange));
            return rejected(observed, notes);
        }
        ScheduleDecision decision = rescheduler.decide(start, end, stats, current,
                state.measured, observed);
        if (decision.getOutcome() == ScheduleDecision.Outcome.ACCEPTED) {
            state.changed(end.toEpochMilli(), inForce,
                    rules.trialWindows() > 0 ? decision.getCandidate().getVersion() : -1,
                    decision.getCandidateTokensPerSecond()
                            / decision.getCurrentTokensPerSecond() - 1);
        }
        return notes.isEmpty() ? decision
                : decision.toBuilder().clearReasons().addAllReasons(notes)
                        .addAllReasons(decision.getReasonsList()).build();
    }

    /**
     * How a trial ended.
     *
     * @param gain the plan's observed speed over the replaced plan's, minus 1; NaN if unknown
     * @param note what was measured, for the decision's reasons
     * @param rollback the rollback decision when the plan was slower, else null
     */
    private record TrialEnd(double gain, String note, ScheduleDecision rollback) {
    }

    /** The plan on trial has had its windows: it stays, or it is rolled back if slower. */
    private TrialEnd trialEnds(Instant start, Instant end, WindowStats stats,
            ExecutionPlan current, double observed, LoopState state) {
        int trialDrafts = draftTokens(current);
        int replacedDrafts = state.replaced == null ? 1
                : draftTokens(SchedulePlans.toPlan(state.replacedSchedule()));
        double trial = total(state.inForceByBatch).tokensPerSecond(trialDrafts);
        double before = total(state.replacedByBatch).tokensPerSecond(replacedDrafts);
        state.measured.put(LoopState.shape(current), trial);
        double gain = gainAtEqualBatches(state.inForceByBatch, trialDrafts,
                state.replacedByBatch, replacedDrafts);
        String measured = String.format(Locale.ROOT, "plan %d made %.1f tokens/s over %d trial"
                + " windows against %.1f tokens/s of the plan before it: %+.1f%% at equal batch"
                + " sizes (predicted %+.1f%%)", current.version(), trial, state.trialWindows,
                before, 100 * gain, 100 * state.predictedGain);
        if (!(gain < 0) || state.replaced == null) {
            state.endTrial();
            return new TrialEnd(gain, Double.isNaN(gain) ? measured + ": no comparison, it stays"
                    : measured + ": it stays", null);
        }
        long version = Math.max(current.version(), stats.maxPlanVersion()) + 1;
        SkipSchedule back = state.replacedSchedule().toBuilder()
                .setVersion(version)
                .setWindow(Rescheduler.window(start, end, stats))
                .clearGate()
                .build();
        state.rolledBack(end.toEpochMilli());
        String note = measured + ": rolled back to the plan before it, as plan " + version;
        return new TrialEnd(gain, note, rescheduler.newDecision(observed)
                .setOutcome(ScheduleDecision.Outcome.ROLLED_BACK)
                .setCandidate(back)
                .addReasons(note)
                .setCurrentTokensPerSecond(trial)
                .setCandidateTokensPerSecond(before)
                .setObservedGain(gain)
                .build());
    }

    /**
     * How much faster the plan on trial ran than the plan before it, minus 1, comparing like
     * with like: a token's cost depends on its step's batch, and traffic may have changed with
     * the plan. The speed ratio at each batch size both ran at, weighted by the trial's tokens
     * there; NaN when they share no batch size.
     */
    static double gainAtEqualBatches(Map<Integer, WindowStats.Speed> trial, int trialDrafts,
            Map<Integer, WindowStats.Speed> before, int beforeDrafts) {
        double weighted = 0;
        long tokens = 0;
        for (Map.Entry<Integer, WindowStats.Speed> t : trial.entrySet()) {
            WindowStats.Speed b = before.get(t.getKey());
            double ratio = b == null ? Double.NaN : t.getValue().tokensPerSecond(trialDrafts)
                    / b.tokensPerSecond(beforeDrafts);
            if (!Double.isNaN(ratio)) {
                weighted += t.getValue().tokens() * ratio;
                tokens += t.getValue().tokens();
            }
        }
        return tokens == 0 ? Double.NaN : weighted / tokens - 1;
    }

    private static WindowStats.Speed total(Map<Integer, WindowStats.Speed> byBatch) {
        return byBatch.values().stream().reduce(new WindowStats.Speed(0, 0, 0),
                WindowStats.Speed::merge);
    }

    private ScheduleDecision rejected(double observed, List<String> reasons) {
        return rescheduler.newDecision(observed)
                .setOutcome(ScheduleDecision.Outcome.REJECTED)
                .addAllReasons(reasons)
                .build();
    }

    /** Drafts per round of a speculative plan, for its observed speed; 1 otherwise. */
    private static int draftTokens(ExecutionPlan plan) {
        return plan.exit() instanceof ExitPolicy.SelfSpeculative s ? s.draftTokens() : 1;
    }
}
