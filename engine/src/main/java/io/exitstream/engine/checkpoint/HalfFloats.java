package io.exitstream.engine.checkpoint;

/**
 * Conversions between float32 and the two 16-bit float formats found in checkpoints: IEEE
 * half precision (fp16) and bfloat16. Widening is exact; narrowing rounds to nearest, ties to
 * even, as PyTorch does. Java 17 has no {@code Float.float16ToFloat}, hence this class.
 */
public final class HalfFloats {

    /** float32 minus fp16 exponent bias, in place. */
    private static final int FLOAT_EXP_BIAS_SHIFT = (127 - 15) << 23;
    /** The smallest float (65520) that rounds to fp16 infinity: halfway above 65504, ties up. */
    private static final int FP16_OVERFLOW = 0x477ff000;
    /** The smallest normal fp16, 2^-14, as float bits. */
    private static final int FP16_MIN_NORMAL = 0x38800000;

    private HalfFloats() {
    }

    /** Widens the fp16 bits {@code h} to float, exactly (subnormals, infinities, NaN payloads). */
    public static float fp16ToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | mantissa << 13);
        }
        if (exponent == 0) {
            // Zero or subnormal: mantissa * 2^-24, exact in float.
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | (exponent + 127 - 15) << 23 | mantissa << 13);
    }

    /** Narrows {@code f} to fp16 bits, rounding to nearest even; overflow gives infinity. */
    public static short floatToFp16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs > 0x7f800000) {
            // NaN: keep the top payload bits and force a quiet NaN so it cannot become infinity.
            return (short) (sign | 0x7e00 | (abs >>> 13) & 0x3ff);
        }
        if (abs >= FP16_OVERFLOW) {
            return (short) (sign | 0x7c00);
        }
        if (abs < FP16_MIN_NORMAL) {
            // Subnormal range: count units of 2^-24; Math.rint rounds ties to even, and 1024
            // units correctly become the smallest normal.
            return (short) (sign | (int) Math.rint(Float.intBitsToFloat(abs) * 0x1p24));
        }
        // Normal: rebias the exponent, then round away the low 13 mantissa bits to nearest even;
        // a carry out of the mantissa correctly bumps the exponent.
        int rebiased = abs - FLOAT_EXP_BIAS_SHIFT;
        return (short) (sign | (rebiased + 0xfff + ((rebiased >>> 13) & 1)) >>> 13);
    }

    /** Widens bfloat16 bits to float: they are the high half of a float32. */
    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat(b << 16);
    }

    /** Narrows {@code f} to bfloat16 bits, rounding to nearest even; NaN stays NaN. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) (bits >>> 16 | 0x40);
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }
}
