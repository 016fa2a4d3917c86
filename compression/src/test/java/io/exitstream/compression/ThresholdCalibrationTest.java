package io.exitstream.compression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The binomial p-value behind Learn-then-Test. */
class ThresholdCalibrationTest {

    @Test
    void binomialTailMatchesClosedForms() {
        assertThat(FixedSequenceTest.binomialTail(10, 0, 0.5)).isCloseTo(1 / 1024.0,
                within(1e-12));
        assertThat(FixedSequenceTest.binomialTail(10, 10, 0.5)).isCloseTo(1.0, within(1e-9));
        // P(X <= 1), n = 3, p = 0.1: 0.9^3 + 3 * 0.1 * 0.9^2.
        assertThat(FixedSequenceTest.binomialTail(3, 1, 0.1)).isCloseTo(0.972,
                within(1e-12));
    }

    @Test
    void manyTokensCertifyARateWellBelowEpsilonButNotOneAtIt() {
        // 2% disagreement in 10,000 tokens: far below 5%, a tiny p-value.
        assertThat(FixedSequenceTest.binomialTail(10_000, 200, 0.05)).isLessThan(1e-10);
        // Exactly at 5% is never certified at delta 0.1.
        assertThat(FixedSequenceTest.binomialTail(10_000, 500, 0.05)).isGreaterThan(0.1);
    }

    @Test
    void candidatesGoFromStrictToLenient() {
        float[] c = ThresholdCalibration.CANDIDATES;
        for (int i = 1; i < c.length; i++) {
            assertThat(c[i]).isLessThan(c[i - 1]);
        }
        assertThat(c[c.length - 1]).isPositive();
        assertThat(c[0]).isLessThanOrEqualTo(1f);
    }
}
