package io.exitstream.compression.reschedule;

/**
 * A plan measured against the full model on the calibration prompts.
 *
 * @param agreement fraction of positions where the plan's greedy token is the full model's
 * @param perplexity the plan's perplexity on the calibration tokens
 * @param fullPerplexity the full model's perplexity on the same tokens
 * @param tokens positions compared
 */
public record PlanQuality(double agreement, double perplexity, double fullPerplexity,
        long tokens) {

    /** Relative perplexity change: 0.05 is 5 % worse than the full model. */
    public double perplexityIncrease() {
        return perplexity / fullPerplexity - 1;
    }
}
