package io.exitstream.engine.model;

import java.util.List;

/**
 * How a checkpoint stretches RoPE's frequencies to reach contexts longer than it was trained
 * on, as Hugging Face's {@code rope_scaling} says. {@code linear} divides every inverse
 * frequency by {@code factor} (position interpolation). {@code llama3} (Llama 3.1 and later)
 * divides only the low frequencies, whose wavelength exceeds
 * {@code originalContext / lowFreqFactor}, keeps the high ones, shorter than
 * {@code originalContext / highFreqFactor}, and blends linearly in between.
 *
 * @param factor how much longer the context becomes; 1 for none
 * @param lowFreqFactor {@code llama3} only
 * @param highFreqFactor {@code llama3} only
 * @param originalContext {@code llama3}'s {@code original_max_position_embeddings}
 * @param pairFactors {@code factors} only: one divisor per RoPE pair of a head
 */
public record RopeScaling(Type type, double factor, double lowFreqFactor, double highFreqFactor,
        int originalContext, List<Double> pairFactors) {

    /** The scaling rules the engine implements. */
    public enum Type {
        NONE, LINEAR, LLAMA3, FACTORS
    }

    /** Plain RoPE. */
    public static final RopeScaling NONE = new RopeScaling(Type.NONE, 1, 0, 0, 0, List.of());

    public RopeScaling {
        if (!(factor > 0)) {
            throw new IllegalArgumentException("rope_scaling factor must be positive, got "
                    + factor);
        }
        if (type == Type.LLAMA3 && !(lowFreqFactor > 0 && highFreqFactor > lowFreqFactor
                && originalContext > 0)) {
            throw new IllegalArgumentException("llama3 rope_scaling needs 0 < low_freq_factor <"
                    + " high_freq_factor and a positive original_max_position_embeddings, got "
                    + lowFreqFactor + ", " + highFreqFactor + ", " + originalContext);
        }
        pairFactors = List.copyOf(pairFactors);
        if (pairFactors.stream().anyMatch(f -> !(f > 0))) {
            throw new IllegalArgumentException("RoPE frequency factors must be positive, got "
                    + pairFactors);
        }
    }

    public static RopeScaling linear(double factor) {
        return new RopeScaling(Type.LINEAR, factor, 0, 0, 0, List.of());
    }

    public static RopeScaling llama3(double factor, double lowFreqFactor, double highFreqFactor,
            int originalContext) {
        return new RopeScaling(Type.LLAMA3, factor, lowFreqFactor, highFreqFactor,
                originalContext, List.of());
    }

    /** Pair {@code j} divided by {@code pairFactors[j]}. */
    public static RopeScaling factors(List<Double> pairFactors) {
        return new RopeScaling(Type.FACTORS, 1, 0, 0, 0, pairFactors);
    }

    /**
     * The inverse frequency of RoPE pair {@code pair}, {@code inverseFrequency} unscaled, as this
     * scaling changes it (transformers' rules, in double).
     */
    public double scale(int pair, double inverseFrequency) {
        return switch (type) {
            case NONE -> inverseFrequency;
            case FACTORS -> inverseFrequency / pairFactors.get(pair);
            case LINEAR -> inverseFrequency / factor;
            case LLAMA3 -> {
                double wavelength = 2 * Math.PI / inverseFrequency;
                if (wavelength < originalContext / highFreqFactor) {
                    yield inverseFrequency;
                }
                if (wavelength > originalContext / lowFreqFactor) {
                    yield inverseFrequency / factor;
                }
                double smooth = (originalContext / wavelength - lowFreqFactor)
                        / (highFreqFactor - lowFreqFactor);
                yield (1 - smooth) * inverseFrequency / factor + smooth * inverseFrequency;
            }
        };
    }
}
