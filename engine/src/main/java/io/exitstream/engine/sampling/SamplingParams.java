package io.exitstream.engine.sampling;

import java.util.Map;

/**
 * How the next token is chosen from the logits, with vLLM's meaning for every field.
 *
 * <p>Order of application: repetition penalty, frequency and presence penalties, logit bias
 * (all on the raw logits), then temperature (or argmax when greedy), min-p, top-k and top-p.
 *
 * @param temperature 0 for greedy (argmax); otherwise logits are divided by it
 * @param topP nucleus sampling: keep the smallest set of tokens whose probability reaches topP
 *     (1 keeps all)
 * @param topK keep only the topK most probable tokens (0 keeps all)
 * @param minP keep only tokens at least minP times as probable as the most probable one (0
 *     keeps all)
 * @param presencePenalty subtracted from the logit of every token already generated
 * @param frequencyPenalty subtracted from a token's logit once per time it was generated
 * @param repetitionPenalty for every token in the prompt or generated so far, a positive logit
 *     is divided by it and a negative one multiplied (1 changes nothing)
 * @param logitBias added to the logits of the given token ids
 * @param logprobs -1 for no log probabilities; else the chosen token's and this many most
 *     probable tokens' log probabilities are reported (see {@link Sampler#logprobs})
 * @param promptLogprobs with {@code logprobs >= 0}, also report them for each prompt token
 *     (the prefill then computes the LM head on every prompt position)
 * @param seed seed of the sequence's random generator: same seed, same tokens
 */
public record SamplingParams(float temperature, float topP, int topK, float minP,
        float presencePenalty, float frequencyPenalty, float repetitionPenalty,
        Map<Integer, Float> logitBias, int logprobs, boolean promptLogprobs, long seed) {

    public SamplingParams {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a number >= 0, got "
                    + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
        }
        if (!Float.isFinite(presencePenalty) || !Float.isFinite(frequencyPenalty)) {
            throw new IllegalArgumentException("presence and frequency penalties must be"
                    + " finite, got " + presencePenalty + " and " + frequencyPenalty);
        }
        if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetition_penalty must be a number > 0, got "
                    + repetitionPenalty);
        }
        logitBias = Map.copyOf(logitBias);
        for (Map.Entry<Integer, Float> bias : logitBias.entrySet()) {
            if (bias.getKey() < 0 || !Float.isFinite(bias.getValue())) {
                throw new IllegalArgumentException("logit_bias needs token ids >= 0 and finite"
                        + " biases, got " + bias);
            }
        }
        if (logprobs < -1) {
            throw new IllegalArgumentException("logprobs must be >= -1, got " + logprobs);
        }
        if (promptLogprobs && logprobs < 0) {
            throw new IllegalArgumentException("prompt log probabilities need logprobs >= 0");
        }
    }

    /** Temperature, top-p and top-k only: no min-p, penalty, bias or log probabilities. */
    public SamplingParams(float temperature, float topP, int topK, long seed) {
        this(temperature, topP, topK, 0f, 0f, 0f, 1f, Map.of(), -1, false, seed);
    }

    public static SamplingParams greedy() {
        return new SamplingParams(0f, 1f, 0, 0L);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }

    /** Whether penalties or biases change the logits before the token is chosen. */
    public boolean adjustsLogits() {
        return presencePenalty != 0 || frequencyPenalty != 0 || repetitionPenalty != 1
                || !logitBias.isEmpty();
    }

    /** Whether each token's log probabilities are reported. */
    public boolean wantsLogprobs() {
        return logprobs >= 0;
    }
}
