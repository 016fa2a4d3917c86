package io.exitstream.compression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exitstream.engine.runtime.Generator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Timing greedy decodes of the shipped model, and warming up before timing them. */
class DecodeSpeedTest {

    private final int bos = Stories.tokenizer().bosId();
    private final List<int[]> prompts = List.of(new int[] {bos}, new int[] {bos, 200});

    @Test
    void aRunTimesEveryTokenAfterThePrefillsOwn() {
        try (Generator generator = new Generator(Stories.model(), 2, 17)) {
            DecodeSpeed.Run run = DecodeSpeed.time(generator, prompts, 8);
            assertThat(run.tokens()).isEqualTo(2 * 8);
            assertThat(run.meanLayers()).isEqualTo(Stories.layers());
            assertThat(run.tokensPerSecond()).isPositive();
        }
    }

    @Test
    void theWarmUpRunsUntilTheProcessHasDecodedForItsSeconds() {
        try (Generator generator = new Generator(Stories.model(), 2, 17)) {
            Runnable run = () -> DecodeSpeed.time(generator, prompts, 8);
            double target = DecodeSpeed.decodingSeconds() + 0.3;

            int runs = DecodeSpeed.warmUp(run, target);

            assertThat(DecodeSpeed.decodingSeconds()).isGreaterThanOrEqualTo(target);
            assertThat(runs).isGreaterThan(1);
            // Already warm: one run, never none.
            assertThat(DecodeSpeed.warmUp(run, target)).isEqualTo(1);
            assertThat(DecodeSpeed.warmUp(run, 0)).isEqualTo(1);
            assertThatThrownBy(() -> DecodeSpeed.warmUp(run, -1))
                    .hasMessage("the warm-up must be 0 or more seconds, got -1.0");
        }
    }

    @Test
    void settlingGoesOnUntilTheCompilerHasBeenQuietForFiveSecondsOfDecoding() {
        try (Generator generator = new Generator(Stories.model(), 2, 17)) {
            // A compiler that works 200 ms in each of the first 20 runs, then rests.
            long[] compiled = {0};
            int[] runs = {0};
            double[] busyUntil = {0};
            Runnable run = () -> {
                DecodeSpeed.time(generator, prompts, 8);
                if (++runs[0] <= 20) {
                    compiled[0] += 200;
                    busyUntil[0] = DecodeSpeed.decodingSeconds();
                }
            };

            DecodeSpeed.Settling settling = DecodeSpeed.settle(run, 60, () -> compiled[0]);

            assertThat(settling.quiet()).isTrue();
            assertThat(settling.runs()).isGreaterThan(20);
            assertThat(DecodeSpeed.decodingSeconds() - busyUntil[0])
                    .isGreaterThanOrEqualTo(5.0);
        }
    }

    @Test
    void settlingGivesUpAtItsLimitWhileTheCompilerWorks() {
        try (Generator generator = new Generator(Stories.model(), 2, 17)) {
            long[] compiled = {0};
            Runnable run = () -> {
                DecodeSpeed.time(generator, prompts, 8);
                compiled[0] += 200;
            };
            double start = DecodeSpeed.decodingSeconds();

            DecodeSpeed.Settling settling = DecodeSpeed.settle(run, 1, () -> compiled[0]);

            assertThat(settling.quiet()).isFalse();
            assertThat(DecodeSpeed.decodingSeconds() - start).isGreaterThanOrEqualTo(1.0);
            assertThat(DecodeSpeed.settle(run, 0, () -> compiled[0]))
                    .isEqualTo(new DecodeSpeed.Settling(0, false));
        }
    }
}
