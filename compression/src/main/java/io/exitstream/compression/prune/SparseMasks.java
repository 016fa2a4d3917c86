package io.exitstream.compression.prune;

import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Unstructured and 2:4 masks over a row-major {@code [out, in]} matrix. Both compare weights
 * within an output row, as Wanda does: each row loses the same share, so no output is wiped out.
 */
public final class SparseMasks {

    private SparseMasks() {
    }

    /**
     * Each weight's importance: {@code |W_ij|}, times {@code ||x_j||} (the norm of input
     * channel j over the calibration tokens) when {@code inputNorms} is given (Wanda).
     */
    public static float[] scores(float[] w, int cols, float[] inputNorms) {
        float[] s = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            s[i] = Math.abs(w[i]) * (inputNorms == null ? 1f : inputNorms[i % cols]);
        }
        return s;
    }

    /**
     * Keeps, in each row, all but the {@code round(sparsity * cols)} lowest-scoring weights
     * (ties broken by position): {@code true} means keep.
     */
    public static boolean[] perRow(float[] scores, int cols, double sparsity) {
        int drop = (int) Math.round(sparsity * cols);
        boolean[] keep = new boolean[scores.length];
        for (int row = 0; row * cols < scores.length; row++) {
            int base = row * cols;
            int[] order = IntStream.range(0, cols).boxed()
                    .sorted(Comparator.comparingDouble((Integer j) -> scores[base + j]))
                    .mapToInt(Integer::intValue).toArray();
            for (int k = drop; k < cols; k++) {
                keep[base + order[k]] = true;
            }
        }
        return keep;
    }

    /** Keeps the 2 highest-scoring of every 4 consecutive weights in a row. */
    public static boolean[] twoOfFour(float[] scores, int cols) {
        if (cols % 4 != 0) {
            throw new IllegalArgumentException("2:4 needs rows of a multiple of 4, got " + cols);
        }
        boolean[] keep = new boolean[scores.length];
        for (int g = 0; g < scores.length; g += 4) {
            int at = g;
            int[] order = IntStream.range(0, 4).boxed()
                    .sorted(Comparator.comparingDouble((Integer k) -> -scores[at + k]))
                    .mapToInt(Integer::intValue).toArray();
            keep[g + order[0]] = true;
            keep[g + order[1]] = true;
        }
        return keep;
    }

    /** A copy of {@code w} with the weights the mask drops set to zero. */
    static float[] apply(float[] w, boolean[] keep) {
        float[] out = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = keep[i] ? w[i] : 0f;
        }
        return out;
    }
}
