package io.exitstream.engine.model;

import java.util.stream.IntStream;

/** Row and column selection on row-major matrices, for pruning that keeps a dense model. */
public final class Matrices {

    private Matrices() {
    }

    /** The rows {@code kept} of a matrix with {@code columns} columns, in that order. */
    public static float[] rows(float[] matrix, int columns, int[] kept) {
        float[] out = new float[kept.length * columns];
        for (int r = 0; r < kept.length; r++) {
            System.arraycopy(matrix, kept[r] * columns, out, r * columns, columns);
        }
        return out;
    }

    /** The columns {@code kept} of a matrix with {@code columns} columns, in that order. */
    public static float[] columns(float[] matrix, int columns, int[] kept) {
        int rows = matrix.length / columns;
        float[] out = new float[rows * kept.length];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < kept.length; k++) {
                out[r * kept.length + k] = matrix[r * columns + kept[k]];
            }
        }
        return out;
    }

    /** The indices {@code [b * size, (b + 1) * size)} of every block b, in order. */
    public static int[] blocks(int[] blocks, int size) {
        return IntStream.of(blocks).flatMap(b -> IntStream.range(b * size, (b + 1) * size))
                .toArray();
    }
}
