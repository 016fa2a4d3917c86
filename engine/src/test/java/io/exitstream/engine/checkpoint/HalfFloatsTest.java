package io.exitstream.engine.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HalfFloatsTest {

    private static final int FP16_MAX_FINITE = 0x7bff;

    @Test
    void widensEveryFp16ValueExactly() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = HalfFloats.fp16ToFloat((short) bits);
            int exponent = (bits >>> 10) & 0x1f;
            int mantissa = bits & 0x3ff;
            double sign = (bits & 0x8000) != 0 ? -1 : 1;
            if (exponent == 0x1f) {
                assertThat(Float.isNaN(f)).as("bits %04x", bits).isEqualTo(mantissa != 0);
                continue;
            }
            double expected = exponent == 0 ? sign * mantissa * Math.pow(2, -24)
                    : sign * (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
            assertThat((double) f).as("bits %04x", bits).isEqualTo(expected);
            assertThat(HalfFloats.floatToFp16(f)).as("bits %04x", bits).isEqualTo((short) bits);
        }
    }

    @Test
    void knowsTheSpecialFp16Values() {
        assertThat(HalfFloats.fp16ToFloat((short) 0x3c00)).isEqualTo(1f);
        assertThat(HalfFloats.fp16ToFloat((short) 0x7bff)).isEqualTo(65504f);
        assertThat(HalfFloats.fp16ToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(HalfFloats.fp16ToFloat((short) 0x03ff)).isEqualTo(1023 * 0x1p-24f);
        assertThat(HalfFloats.fp16ToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(HalfFloats.fp16ToFloat((short) 0xfc00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Float.floatToRawIntBits(HalfFloats.fp16ToFloat((short) 0x8000)))
                .isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(HalfFloats.fp16ToFloat(HalfFloats.floatToFp16(Float.NaN))).isNaN();
    }

    @Test
    void narrowsToFp16WithTiesToEven() {
        assertThat(HalfFloats.floatToFp16(1 + 0x1p-11f)).isEqualTo((short) 0x3c00);
        assertThat(HalfFloats.floatToFp16(1 + 3 * 0x1p-11f)).isEqualTo((short) 0x3c02);
        assertThat(HalfFloats.floatToFp16(65519f)).isEqualTo((short) 0x7bff);
        assertThat(HalfFloats.floatToFp16(65520f)).isEqualTo((short) 0x7c00);
        assertThat(HalfFloats.floatToFp16(-1e10f)).isEqualTo((short) 0xfc00);
        assertThat(HalfFloats.floatToFp16(0x1p-25f)).isEqualTo((short) 0);
        assertThat(HalfFloats.floatToFp16(3 * 0x1p-25f)).isEqualTo((short) 2);
        assertThat(HalfFloats.floatToFp16(1023.5f * 0x1p-24f)).isEqualTo((short) 0x0400);
    }

    @Test
    void narrowsRandomFloatsToTheNearestFp16() {
        SplittableRandom random = new SplittableRandom(1);
        for (int n = 0; n < 200_000; n++) {
            // Magnitudes from 2^-30 to 2^17: subnormals, normals and overflow.
            float f = (float) ((random.nextBoolean() ? 1 : -1)
                    * Math.pow(2, random.nextDouble(-30, 17)));
            assertThat(HalfFloats.floatToFp16(f)).as("%s", f).isEqualTo(nearestFp16(f));
        }
    }

    @Test
    void narrowsToBf16WithTiesToEven() {
        assertThat(HalfFloats.floatToBf16(1 + 0x1p-8f)).isEqualTo((short) 0x3f80);
        assertThat(HalfFloats.floatToBf16(1 + 3 * 0x1p-8f)).isEqualTo((short) 0x3f82);
        assertThat(HalfFloats.floatToBf16(Float.MAX_VALUE)).isEqualTo((short) 0x7f80);
        assertThat(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN))).isNaN();
        // A NaN whose payload lies only in the low bits must not become infinity.
        assertThat(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.intBitsToFloat(0x7f800001))))
                .isNaN();
        SplittableRandom random = new SplittableRandom(2);
        for (int n = 0; n < 200_000; n++) {
            float f = Float.intBitsToFloat(random.nextInt());
            if (Float.isNaN(f) || Math.abs(f) > 0x1.fep127f) {
                // Next to infinity the nearest-value rule needs IEEE overflow: checked above.
                continue;
            }
            short b = HalfFloats.floatToBf16(f);
            int truncated = Float.floatToRawIntBits(f) >>> 16;
            double below = Math.abs(f - (double) HalfFloats.bf16ToFloat((short) truncated));
            double above = Math.abs(f - (double) HalfFloats.bf16ToFloat((short) (truncated + 1)));
            int nearest = below < above || below == above && truncated % 2 == 0
                    ? truncated : truncated + 1;
            assertThat(b).as("%s", f).isEqualTo((short) nearest);
        }
    }

    /** The nearest fp16 by search over all finite magnitudes, ties to even, else infinity. */
    private static short nearestFp16(float f) {
        int sign = f < 0 ? 0x8000 : 0;
        double magnitude = Math.abs((double) f);
        if (magnitude >= 65520) {
            return (short) (sign | 0x7c00);
        }
        int low = 0;
        int high = FP16_MAX_FINITE;
        while (low < high) {
            // The largest code whose value is <= magnitude (codes are ordered by value).
            int mid = (low + high + 1) >>> 1;
            if (HalfFloats.fp16ToFloat((short) mid) <= magnitude) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        int up = Math.min(low + 1, 0x7c00);
        double below = magnitude - HalfFloats.fp16ToFloat((short) low);
        double above = HalfFloats.fp16ToFloat((short) up) - magnitude;
        int nearest = below < above || below == above && low % 2 == 0 ? low : up;
        return (short) (sign | nearest);
    }
}
