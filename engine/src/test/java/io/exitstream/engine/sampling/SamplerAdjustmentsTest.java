package io.exitstream.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Min-p, penalties, logit bias and log probabilities, each against a hand-worked case. */
class SamplerAdjustmentsTest {

    // Probabilities 0.5, 0.25, 0.125, 0.125 after softmax at temperature 1.
    private static final float[] LOGITS = {
        (float) Math.log(0.5), (float) Math.log(0.25), (float) Math.log(0.125),
        (float) Math.log(0.125)
    };

    private static SamplingParams params(float temperature, float minP, float presence,
            float frequency, float repetition, Map<Integer, Float> bias, int logprobs) {
        return new SamplingParams(temperature, 1f, 0, minP, presence, frequency, repetition,
                bias, logprobs, false, 3);
    }

    @Test
    void minPKeepsTokensAtLeastThatShareOfTheMostProbable() {
        // 0.5 * 0.5 = 0.25: tokens 0 and 1 stay, 2 and 3 (0.125) go.
        Sampler sampler = new Sampler(params(1f, 0.5f, 0, 0, 1, Map.of(), -1));
        for (int i = 0; i < 2_000; i++) {
            assertThat(sampler.sample(LOGITS, 0, 4)).isIn(0, 1);
        }
    }

    @Test
    void logitBiasMovesTheGreedyChoice() {
        Sampler sampler = new Sampler(params(0f, 0, 0, 0, 1, Map.of(0, -100f), -1));
        assertThat(sampler.sample(LOGITS, 0, 4)).isEqualTo(1);
        Sampler boosted = new Sampler(params(0f, 0, 0, 0, 1, Map.of(3, 5f), -1));
        assertThat(boosted.sample(LOGITS, 0, 4)).isEqualTo(3);
    }

    @Test
    void presenceAndFrequencyPenaliseGeneratedTokensOnly() {
        // log 0.5 - log 0.25 = 0.69: a presence penalty of 1 puts token 0 under token 1.
        Sampler presence = new Sampler(params(0f, 0, 1f, 0, 1, Map.of(), -1));
        assertThat(presence.sample(LOGITS, 0, 4)).isEqualTo(0);
        presence.accepted(0);
        assertThat(presence.sample(LOGITS, 0, 4)).isEqualTo(1);
        // A frequency penalty of 0.4 needs two occurrences to pass 0.69.
        Sampler frequency = new Sampler(params(0f, 0, 0, 0.4f, 1, Map.of(), -1));
        frequency.accepted(0);
        assertThat(frequency.sample(LOGITS, 0, 4)).isEqualTo(0);
        frequency.accepted(0);
        assertThat(frequency.sample(LOGITS, 0, 4)).isEqualTo(1);
    }

    @Test
    void repetitionPenaltyCountsThePromptAndScalesBySign() {
        float[] logits = {2f, 1.5f, -1f};
        // Token 0 is in the prompt: 2 / 2 = 1 < 1.5.
        Sampler sampler = new Sampler(params(0f, 0, 0, 0, 2f, Map.of(), -1), new int[] {0});
        assertThat(sampler.sample(logits, 0, 3)).isEqualTo(1);
        // Without the prompt token nothing changes.
        Sampler fresh = new Sampler(params(0f, 0, 0, 0, 2f, Map.of(), -1), new int[] {2});
        assertThat(fresh.sample(logits, 0, 3)).isEqualTo(0);
    }

    @Test
    void logprobsAreTheRawLogSoftmaxWithTheMostProbableFirst() {
        Sampler sampler = new Sampler(params(0f, 0, 0, 0, 1, Map.of(0, -100f), 2));
        TokenLogprobs logprobs = sampler.logprobs(LOGITS, 0, 4, 1);
        assertThat(logprobs.token()).isEqualTo(1);
        assertThat((double) logprobs.logprob()).isCloseTo(Math.log(0.25), within(1e-5));
        assertThat(logprobs.topTokens()).containsExactly(0, 1);
        assertThat((double) logprobs.topLogprobs()[0]).isCloseTo(Math.log(0.5), within(1e-5));
        assertThat(new Sampler(params(0f, 0, 0, 0, 1, Map.of(), -1)).logprobs(LOGITS, 0, 4, 1))
                .isNull();
        assertThat(new Sampler(params(0f, 0, 0, 0, 1, Map.of(), 0)).logprobs(LOGITS, 0, 4, 2)
                .topTokens()).isEmpty();
    }
}
