package io.exitstream.engine.runtime;

import io.exitstream.engine.sampling.SamplingParams;

/** Generation requests the runtime tests make. */
final class Requests {

    private Requests() {
    }

    /** Greedy decoding of {@code prompt} for up to {@code maxTokens}, with no stop token. */
    static GenerationRequest greedy(int[] prompt, int maxTokens) {
        return new GenerationRequest(prompt, SamplingParams.greedy(), maxTokens, new int[0]);
    }
}
