package io.exitstream.engine.exits;

import java.util.Arrays;
import java.util.Objects;

/**
 * The exit at one layer: a confidence classifier (CALM's) and an optional low-rank adapter.
 *
 * <p>At layer {@code l} with hidden state {@code h}:
 * <ul>
 *   <li>the adapter, when {@code rank > 0}, gives {@code h' = h + up (down h)}; else
 *       {@code h' = h};</li>
 *   <li>the token's logits are the model's own final RMSNorm and LM head applied to
 *       {@code h'} (both shared with the last layer);</li>
 *   <li>its confidence is {@code sigmoid(confidenceWeight . finalRMSNorm(h') + confidenceBias)},
 *       one dot product per row, so the full-vocabulary LM head runs only once, on exit.</li>
 * </ul>
 *
 * @param layer the model layer whose output the head reads, from 0
 * @param confidenceWeight the classifier's weights, length {@code dim}
 * @param rank the adapter's rank; 0 for none
 * @param down the adapter's first matrix, row-major {@code [rank, dim]}; empty when rank is 0
 * @param up the adapter's second matrix, row-major {@code [dim, rank]}; empty when rank is 0
 */
public record ExitHead(int layer, float[] confidenceWeight, float confidenceBias, int rank,
        float[] down, float[] up) {

    private static final float[] NONE = {};

    public ExitHead {
        if (layer < 0) {
            throw new IllegalArgumentException("exit head layer " + layer + " is not a layer"
                    + " index");
        }
        if (confidenceWeight.length == 0) {
            throw new IllegalArgumentException("exit head " + layer + " has an empty confidence"
                    + " weight");
        }
        if (rank < 0) {
            throw new IllegalArgumentException("exit head " + layer + " has adapter rank " + rank);
        }
        long size = (long) rank * confidenceWeight.length;
        if (down.length != size || up.length != size) {
            throw new IllegalArgumentException("exit head " + layer + ": an adapter of rank "
                    + rank + " and width " + confidenceWeight.length + " needs " + size
                    + " values in down and in up, got " + down.length + " and " + up.length);
        }
        confidenceWeight = confidenceWeight.clone();
        down = down.clone();
        up = up.clone();
    }

    /** A head with no adapter: the exit reads the layer's hidden state as it is. */
    public ExitHead(int layer, float[] confidenceWeight, float confidenceBias) {
        this(layer, confidenceWeight, confidenceBias, 0, NONE, NONE);
    }

    /** The width of the hidden state the head reads. */
    public int dim() {
        return confidenceWeight.length;
    }

    public boolean hasAdapter() {
        return rank > 0;
    }

    @Override
    public float[] confidenceWeight() {
        return confidenceWeight.clone();
    }

    @Override
    public float[] down() {
        return down.clone();
    }

    @Override
    public float[] up() {
        return up.clone();
    }

    /** Equal layer, rank and values (records compare arrays by identity otherwise). */
    @Override
    public boolean equals(Object o) {
        return o instanceof ExitHead other && layer == other.layer && rank == other.rank
                && Float.compare(confidenceBias, other.confidenceBias) == 0
                && Arrays.equals(confidenceWeight, other.confidenceWeight)
                && Arrays.equals(down, other.down) && Arrays.equals(up, other.up);
    }

    @Override
    public int hashCode() {
        return Objects.hash(layer, rank, confidenceBias, Arrays.hashCode(confidenceWeight),
                Arrays.hashCode(down), Arrays.hashCode(up));
    }

    @Override
    public String toString() {
        return "ExitHead[layer=" + layer + ", dim=" + dim() + ", rank=" + rank + "]";
    }
}
