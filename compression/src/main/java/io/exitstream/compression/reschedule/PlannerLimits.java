package io.exitstream.compression.reschedule;

/**
 * How far the re-scheduler may go in one candidate.
 *
 * @param maxSkippedLayers layers a plan may skip in all (the first and last layer never are)
 * @param maxInfluence a layer is skipped only if its live block influence is at most this
 * @param minInfluenceSamples sampled tokens a layer needs before its influence is trusted
 * @param maxDraftTokens the deepest self-speculative draft considered; below 2 none is (one
 *     draft per round never pays: the round makes one token for a full pass and more)
 */
public record PlannerLimits(int maxSkippedLayers, double maxInfluence, long minInfluenceSamples,
        int maxDraftTokens) {

    public PlannerLimits {
        if (maxSkippedLayers < 0 || maxDraftTokens < 0 || minInfluenceSamples < 1) {
            throw new IllegalArgumentException("max skipped layers and draft tokens must be >= 0"
                    + " and influence samples >= 1");
        }
        if (!(maxInfluence >= 0 && maxInfluence <= 2)) {
            throw new IllegalArgumentException("max influence must be in [0, 2] (1 - cosine),"
                    + " got " + maxInfluence);
        }
    }

    /** A quarter of the layers, influence up to 0.2, 8 samples, drafts up to 4. */
    public static PlannerLimits defaults(int layers) {
        return new PlannerLimits(Math.max(1, layers / 4), 0.2, 8, 4);
    }
}
