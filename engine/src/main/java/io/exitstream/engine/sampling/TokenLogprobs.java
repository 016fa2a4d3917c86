package io.exitstream.engine.sampling;

/**
 * The log probabilities reported with one generated token: its own and the most probable
 * tokens', from the logits it was chosen from, before temperature, penalties and filtering.
 *
 * @param token the chosen token
 * @param logprob its natural log probability
 * @param topTokens the most probable tokens, most probable first (as many as were asked for)
 * @param topLogprobs their log probabilities, index for index
 */
public record TokenLogprobs(int token, float logprob, int[] topTokens, float[] topLogprobs) {
}
