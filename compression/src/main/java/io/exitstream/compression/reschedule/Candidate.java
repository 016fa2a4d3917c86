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
 */
public record Candidate(ExecutionPlan plan, ExecutionPlan current, CostModel cost,
        double expectedTokensPerSecond, double currentTokensPerSecond) {

    /** Relative expected speed-up over the current plan: 0.1 is 10 % faster. */
    public double expectedGain() {
        return expectedTokensPerSecond / currentTokensPerSecond - 1;
    }
}
