package io.exitstream.compression.reschedule;

/**
 * The operator's budgets for a new plan.
 *
 * @param minAgreement the least fraction of calibration positions where the candidate's greedy
 *     token must equal the full model's, in [0, 1]
 * @param maxPerplexityIncrease the most the calibration perplexity may rise, relative: 0.05 is
 *     5 % above the full model's
 * @param minGain the least expected speed-up over the plan in force (hysteresis: a candidate
 *     barely faster than the current plan is not worth a swap, so plans do not flap)
 * @param gainConfidence how sure the window must make the gain: the lower bound of the
 *     one-sided confidence interval of the expected gain at this level must reach
 *     {@code minGain}; 0.5 takes the expected gain as it is
 */
public record GateBudget(double minAgreement, double maxPerplexityIncrease, double minGain,
        double gainConfidence) {

    public GateBudget {
        if (!(minAgreement >= 0 && minAgreement <= 1)) {
            throw new IllegalArgumentException("min agreement must be in [0, 1], got "
                    + minAgreement);
        }
        if (!(maxPerplexityIncrease >= 0) || !(minGain >= 0)) {
            throw new IllegalArgumentException("max perplexity increase and min gain must be"
                    + " >= 0, got " + maxPerplexityIncrease + " and " + minGain);
        }
        if (!(gainConfidence >= 0.5 && gainConfidence < 1)) {
            throw new IllegalArgumentException("gain confidence must be in [0.5, 1), got "
                    + gainConfidence);
        }
    }

    /** Budgets that take the expected gain as it is, without its error. */
    public GateBudget(double minAgreement, double maxPerplexityIncrease, double minGain) {
        this(minAgreement, maxPerplexityIncrease, minGain, 0.5);
    }

    /** Agreement at least 0.95, perplexity at most 5 % up, at least 5 % faster at 95 %. */
    public static GateBudget defaults() {
        return new GateBudget(0.95, 0.05, 0.05, 0.95);
    }

    /** The gain's lower confidence bound: {@code gain - z * error} for the confidence's z. */
    public double gainLowerBound(double gain, double error) {
        return gain - NormalQuantile.of(gainConfidence) * error;
    }
}
