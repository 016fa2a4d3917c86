package io.exitstream.engine.runtime;

/**
 * How a plan scored one position of a teacher-forced sequence (see {@link PlanScorer}): the
 * token at {@code position} was fed and the plan predicted the one after it.
 *
 * @param position the fed token's position
 * @param target the actual next token, {@code tokens[position + 1]}
 * @param logProb natural log-probability of {@code target} under the plan's logits
 *     (temperature 1)
 * @param argmax the token greedy decoding would have chosen
 * @param exitLayer the layer whose output gave the logits
 * @param layersExecuted layers that ran on the position's row
 * @param confidence as in {@link TokenReport#confidence()}
 * @param blockInfluence as in {@link TokenReport#blockInfluence()}, when the scorer measures it
 */
public record PositionScore(int position, int target, double logProb, int argmax,
        int exitLayer, int layersExecuted, float confidence, float[] blockInfluence) {
}
