package io.exitstream.compression.reschedule;

import io.exitstream.engine.plan.ExecutionPlan;

/**
 * A plan derived from one window, with the speeds the cost model expects of it and of the plan
 * in force.
 *
 * @param plan the candidate, its version one above the current plan's
 * @param current the plan in force when the window closed
 * @param cost the cost model fitted to the window
 * @param expectedTokensPerSecond the candidate's expected speed (one sequence)
 * @param currentTokensPerSecond the current plan's expected speed under the same cost model
 * @param gainError the standard error of {@link #expectedGain}, from the scatter of the
 *     window's latencies and the sampling error of draft acceptance rates
 */
public record Candidate(ExecutionPlan plan, ExecutionPlan current, CostModel cost,
        double expectedTokensPerSecond, double currentTokensPerSecond, double gainError) {

    /** Relative expected speed-up over the current plan: 0.1 is 10 % faster. */
    public double expectedGain() {
        return expectedTokensPerSecond / currentTokensPerSecond - 1;
    }

    /** Whether the candidate runs as the plan in force does (versions aside). */
    public boolean keepsCurrent() {
        return plan.skippedLayers().equals(current.skippedLayers())
                && plan.exit().equals(current.exit());
    }
}
