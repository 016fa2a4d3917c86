package io.exitstream.engine.runtime;

/**
 * How one generated token was made: what the telemetry of a token carries.
 *
 * <p>Self-speculation reports per token so that sums over tokens give totals: an accepted draft
 * has {@code drafted = accepted = 1}; the full model's token that ends a round after a
 * rejection has {@code accepted = 0} and {@code drafted} = the drafts it replaced (the rejected
 * one and those after it). So {@code sum(accepted) / sum(drafted)} is the acceptance rate, and
 * every token made by speculation is either an accepted draft or one correction.
 *
 * @param token the token id
 * @param planVersion version of the plan the sequence ran under
 * @param exitLayer the layer whose output chose the token: the last kept layer for the full
 *     model, the exit layer for a confidence exit or an accepted draft
 * @param layersExecuted layers that ran on this token's row; for a confidence exit, the kept
 *     layers up to and including the exit layer
 * @param confidence under a confidence plan, the exit head's confidence at the decision: at
 *     the exit layer for a token that left early, at the deepest exit layer tested for one
 *     that ran every kept layer (NaN when none was tested, as for a prompt's first token).
 *     For an accepted self-speculative draft, the exit head's probability of the token
 *     (temperature 1). NaN otherwise
 * @param drafted draft tokens this token accounts for (see above); 0 without speculation
 * @param accepted 1 for an accepted draft, else 0
 * @param blockInfluence for a token sampled for influence telemetry (see
 *     {@link Generator#setInfluenceSampling}), each model layer's block influence on its row,
 *     {@code 1 - cosine(layer input, layer output)} (ShortGPT), indexed by layer, NaN for layers
 *     that did not run; null for tokens not sampled
 */
public record TokenReport(int token, long planVersion, int exitLayer, int layersExecuted,
        float confidence, int drafted, int accepted, float[] blockInfluence) {
}
