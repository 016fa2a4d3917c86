package io.exitstream.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SamplerTest {

    // Probabilities 0.5, 0.25, 0.125, 0.125 after softmax at temperature 1.
    private static final float[] LOGITS = {
        (float) Math.log(0.5), (float) Math.log(0.25), (float) Math.log(0.125),
        (float) Math.log(0.125)
    };

    @Test
    void greedyPicksTheLargestLogitAndTheFirstOnTies() {
        Sampler greedy = new Sampler(SamplingParams.greedy());
        assertThat(greedy.sample(new float[] {0f, 3f, 1f, 3f}, 0, 4)).isEqualTo(1);
        assertThat(greedy.sample(new float[] {9f, 0f, 5f, 2f}, 2, 2)).isEqualTo(0);
    }

    @Test
    void sameSeedGivesTheSameTokensAndOtherSeedsDiffer() {
        int[] a = draw(new SamplingParams(1f, 1f, 0, 42), 200);
        int[] b = draw(new SamplingParams(1f, 1f, 0, 42), 200);
        int[] c = draw(new SamplingParams(1f, 1f, 0, 43), 200);
        assertThat(a).isEqualTo(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void temperatureOneFollowsTheSoftmaxDistribution() {
        int[] tokens = draw(new SamplingParams(1f, 1f, 0, 7), 40_000);
        double[] expected = {0.5, 0.25, 0.125, 0.125};
        for (int t = 0; t < 4; t++) {
            int token = t;
            double share = IntStream.of(tokens).filter(x -> x == token).count() / 40_000.0;
            assertThat(share).as("share of token %d", t).isCloseTo(expected[t], within(0.01));
        }
    }

    @Test
    void topKAndTopPRestrictTheCandidates() {
        assertThat(draw(new SamplingParams(1f, 1f, 2, 1), 2_000)).containsOnly(0, 1);
        // The nucleus at 0.7 is {0, 1}: 0.5 alone does not reach it.
        assertThat(draw(new SamplingParams(1f, 0.7f, 0, 1), 2_000)).containsOnly(0, 1);
        assertThat(draw(new SamplingParams(1f, 0.4f, 0, 1), 500)).containsOnly(0);
        assertThat(draw(new SamplingParams(1f, 1f, 1, 1), 500)).containsOnly(0);
    }

    @Test
    void invalidParametersAreRejectedWithTheirName() {
        assertThatThrownBy(() -> new SamplingParams(-1f, 1f, 0, 0))
                .hasMessageContaining("temperature");
        assertThatThrownBy(() -> new SamplingParams(1f, 0f, 0, 0)).hasMessageContaining("top_p");
        assertThatThrownBy(() -> new SamplingParams(Float.NaN, 1f, 0, 0))
                .hasMessageContaining("temperature");
        assertThatThrownBy(() -> new SamplingParams(1f, 1f, -2, 0)).hasMessageContaining("top_k");
    }

    private static int[] draw(SamplingParams params, int n) {
        Sampler sampler = new Sampler(params);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = sampler.sample(LOGITS, 0, LOGITS.length);
        }
        return out;
    }
}
