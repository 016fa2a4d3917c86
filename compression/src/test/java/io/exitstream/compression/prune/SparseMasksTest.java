package io.exitstream.compression.prune;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Wanda and magnitude scores and masks on small hand-made matrices. */
class SparseMasksTest {

    /**
     * Row 0 is {@code [4, 1, 2, 3]}; input channel 1 is 10x louder than the others. Magnitude
     * drops the smallest weights (1, 2); Wanda weighs them by the input norm and drops 2 and 3.
     */
    @Test
    void wandaWeighsMagnitudesByInputNormsWhereMagnitudeDoesNot() {
        float[] w = {4, -1, 2, -3, -0.5f, 5, 6, 7};
        float[] norms = {1, 10, 1, 1};
        float[] magnitude = SparseMasks.scores(w, 4, null);
        float[] wanda = SparseMasks.scores(w, 4, norms);
        assertThat(magnitude).containsExactly(4, 1, 2, 3, 0.5f, 5, 6, 7);
        assertThat(wanda).containsExactly(4, 10, 2, 3, 0.5f, 50, 6, 7);
        assertThat(SparseMasks.perRow(magnitude, 4, 0.5))
                .containsExactly(true, false, false, true, false, false, true, true);
        assertThat(SparseMasks.perRow(wanda, 4, 0.5))
                .containsExactly(true, true, false, false, false, true, false, true);
    }

    @Test
    void perRowSparsityRemovesTheSameShareFromEveryRow() {
        float[] scores = random(16 * 40, 1);
        boolean[] keep = SparseMasks.perRow(scores, 40, 0.25);
        for (int row = 0; row < 16; row++) {
            int kept = 0;
            for (int j = 0; j < 40; j++) {
                kept += keep[row * 40 + j] ? 1 : 0;
            }
            assertThat(kept).as("row %d", row).isEqualTo(30);
        }
    }

    @Test
    void twoOfFourKeepsTheTwoHighestOfEveryGroupOfFour() {
        assertThat(SparseMasks.twoOfFour(new float[] {1, 4, 3, 2, 8, 7, 6, 5}, 8))
                .containsExactly(false, true, true, false, true, true, false, false);
        float[] scores = random(12 * 64, 2);
        boolean[] keep = SparseMasks.twoOfFour(scores, 64);
        for (int g = 0; g < keep.length; g += 4) {
            int kept = 0;
            for (int k = 0; k < 4; k++) {
                kept += keep[g + k] ? 1 : 0;
            }
            assertThat(kept).as("group at %d", g).isEqualTo(2);
        }
    }

    private static float[] random(int n, long seed) {
        Random random = new Random(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextFloat();
        }
        return values;
    }
}
