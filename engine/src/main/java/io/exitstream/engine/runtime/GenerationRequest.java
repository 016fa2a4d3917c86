package io.exitstream.engine.runtime;

import io.exitstream.engine.sampling.SamplingParams;

/**
 * What to generate: a prompt (token ids, BOS included if wanted), how to sample, and when to
 * stop.
 *
 * @param maxTokens upper bound on generated tokens; the context length may stop it earlier
 * @param stopTokens ids that end the sequence; they are not part of the output
 */
public record GenerationRequest(int[] prompt, SamplingParams sampling, int maxTokens,
        int[] stopTokens) {

    public GenerationRequest {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt needs at least one token");
        }
        if (maxTokens <= 0) {
            throw new IllegalArgumentException("max_tokens must be positive, got " + maxTokens);
        }
        prompt = prompt.clone();
        stopTokens = stopTokens.clone();
    }
}
