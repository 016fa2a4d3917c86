package io.exitstream.engine.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class RopeLayoutTest {

    private static final int HEADS = 2;
    private static final int HEAD_SIZE = 8;
    private static final int DIM = HEADS * HEAD_SIZE;
    private static final int COLUMNS = 3;

    @Test
    void movesEvenRowsToTheFirstHalfOfEachHead() {
        float[] w = new float[DIM * COLUMNS];
        for (int i = 0; i < w.length; i++) {
            w[i] = i / COLUMNS; // every value is its row number
        }

        float[] hf = RopeLayout.toHuggingFace(w, HEADS, HEAD_SIZE);

        float[] rows = new float[DIM];
        for (int r = 0; r < DIM; r++) {
            rows[r] = hf[r * COLUMNS];
        }
        assertThat(rows).containsExactly(0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15);
        assertThat(RopeLayout.toLlama2c(hf, HEADS, HEAD_SIZE)).containsExactly(w);
    }

    /**
     * The proof of direction: llama2.c's RoPE (adjacent pairs) on our weights and HF's RoPE
     * (halves) on the converted weights give the same attention scores, and the opposite
     * permutation does not (for head size 8 the permutation is not its own inverse).
     */
    @Test
    void huggingFaceRopeOnConvertedWeightsGivesLlama2csAttentionScores() {
        SplittableRandom random = new SplittableRandom(7);
        float[] wq = gaussian(random, DIM * DIM);
        float[] wk = gaussian(random, DIM * DIM);
        float[] xm = gaussian(random, DIM);
        float[] xn = gaussian(random, DIM);

        double[] llama2c = scores(wq, wk, xm, xn, RopeLayoutTest::rotatePairs);
        double[] hf = scores(RopeLayout.toHuggingFace(wq, HEADS, HEAD_SIZE),
                RopeLayout.toHuggingFace(wk, HEADS, HEAD_SIZE), xm, xn,
                RopeLayoutTest::rotateHalves);
        double[] wrongDirection = scores(RopeLayout.toLlama2c(wq, HEADS, HEAD_SIZE),
                RopeLayout.toLlama2c(wk, HEADS, HEAD_SIZE), xm, xn, RopeLayoutTest::rotateHalves);

        for (int h = 0; h < HEADS; h++) {
            assertThat(hf[h]).as("head %d", h).isCloseTo(llama2c[h], within(1e-9));
            assertThat(Math.abs(wrongDirection[h] - llama2c[h])).as("head %d", h)
                    .isGreaterThan(1e-3);
        }
    }

    /** q·k per head, with q at position 3 and k at position 10 rotated by {@code rope}. */
    private static double[] scores(float[] wq, float[] wk, float[] xm, float[] xn,
            BiFunction<double[], Integer, double[]> rope) {
        double[] q = rope.apply(matVec(wq, xm), 3);
        double[] k = rope.apply(matVec(wk, xn), 10);
        double[] scores = new double[HEADS];
        for (int i = 0; i < DIM; i++) {
            scores[i / HEAD_SIZE] += q[i] * k[i];
        }
        return scores;
    }

    /** llama2.c: rotate (2i, 2i+1) of each head. */
    private static double[] rotatePairs(double[] v, int position) {
        return rotate(v, position, i -> new int[] {2 * i, 2 * i + 1});
    }

    /** Hugging Face: rotate (i, i + head_size/2) of each head. */
    private static double[] rotateHalves(double[] v, int position) {
        return rotate(v, position, i -> new int[] {i, i + HEAD_SIZE / 2});
    }

    private static double[] rotate(double[] v, int position, IntFunction<int[]> pair) {
        double[] out = v.clone();
        for (int h = 0; h < HEADS; h++) {
            for (int i = 0; i < HEAD_SIZE / 2; i++) {
                double angle = position * Math.pow(10000, -2.0 * i / HEAD_SIZE);
                int a = h * HEAD_SIZE + pair.apply(i)[0];
                int b = h * HEAD_SIZE + pair.apply(i)[1];
                out[a] = v[a] * Math.cos(angle) - v[b] * Math.sin(angle);
                out[b] = v[a] * Math.sin(angle) + v[b] * Math.cos(angle);
            }
        }
        return out;
    }

    private static double[] matVec(float[] w, float[] x) {
        double[] out = new double[w.length / x.length];
        for (int r = 0; r < out.length; r++) {
            for (int c = 0; c < x.length; c++) {
                out[r] += (double) w[r * x.length + c] * x[c];
            }
        }
        return out;
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
