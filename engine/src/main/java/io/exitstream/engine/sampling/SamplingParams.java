package io.exitstream.engine.sampling;

/**
 * How the next token is chosen from the logits.
 *
 * @param temperature 0 for greedy (argmax); otherwise logits are divided by it
 * @param topP nucleus sampling: keep the smallest set of tokens whose probability reaches topP
 *     (1 keeps all)
 * @param topK keep only the topK most probable tokens (0 keeps all)
 * @param seed seed of the sequence's random generator: same seed, same tokens
 */
public record SamplingParams(float temperature, float topP, int topK, long seed) {

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
    }

    public static SamplingParams greedy() {
        return new SamplingParams(0f, 1f, 0, 0L);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }
}
