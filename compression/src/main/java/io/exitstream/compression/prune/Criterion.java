package io.exitstream.compression.prune;

import java.util.Arrays;
import java.util.stream.Collectors;

/** What {@code exitstream prune} removes, and how it chooses. */
public enum Criterion {
    /** Whole layers with the lowest block influence (ShortGPT, Men et al. 2024). */
    LAYERS("layers", Kind.LAYERS, true),
    /**
     * The block of n consecutive layers whose input and output are closest in angle
     * (Gromov et al. 2024).
     */
    ANGULAR("angular", Kind.LAYERS, true),
    /**
     * Attention heads, a key/value head with its query heads, by Wanda's score summed over
     * their output columns; ranked across layers, so head counts differ per layer.
     */
    HEADS("heads", Kind.HEADS, true),
    /** FFN neurons by Wanda's score summed over the neuron's output weights. */
    FFN_WANDA("ffn-wanda", Kind.NEURONS, true),
    /** FFN neurons by the L1 norm of their gate, up and down weights. */
    FFN_MAGNITUDE("ffn-magnitude", Kind.NEURONS, false),
    /** Unstructured: smallest |W| per output row. */
    MAGNITUDE("magnitude", Kind.UNSTRUCTURED, false),
    /** Unstructured: smallest |W| x ||x|| per output row (Wanda, Sun et al. 2023). */
    WANDA("wanda", Kind.UNSTRUCTURED, true),
    /** 2 of every 4 consecutive input weights by Wanda's score. */
    TWO_FOUR_WANDA("2:4-wanda", Kind.TWO_FOUR, true),
    /** 2 of every 4 consecutive input weights by magnitude. */
    TWO_FOUR_MAGNITUDE("2:4-magnitude", Kind.TWO_FOUR, false);

    /** What a criterion removes. */
    public enum Kind {
        LAYERS, HEADS, NEURONS, UNSTRUCTURED, TWO_FOUR;

        /** Whether it gives a smaller dense model (rather than zeros in the same shape). */
        public boolean structured() {
            return this == LAYERS || this == HEADS || this == NEURONS;
        }
    }

    private final String label;
    private final Kind kind;
    private final boolean needsCalibration;

    Criterion(String label, Kind kind, boolean needsCalibration) {
        this.label = label;
        this.kind = kind;
        this.needsCalibration = needsCalibration;
    }

    public String label() {
        return label;
    }

    public Kind kind() {
        return kind;
    }

    /** Whether choosing what to remove needs activations from calibration text. */
    public boolean needsCalibration() {
        return needsCalibration;
    }

    /** Whether scores weigh |W| by the input's activation norms. */
    boolean usesActivations() {
        return this == WANDA || this == TWO_FOUR_WANDA || this == FFN_WANDA;
    }

    /** The criterion named {@code label}, or an error listing the known ones. */
    public static Criterion parse(String label) {
        return Arrays.stream(values()).filter(c -> c.label.equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown criterion '" + label
                        + "'; known: " + names()));
    }

    public static String names() {
        return Arrays.stream(values()).map(Criterion::label).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return label;
    }
}
