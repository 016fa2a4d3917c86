package io.exitstream.compression.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A training run's losses so far, kept with its checkpoint so that a resumed run reports and
 * draws the whole run: the training loss of every step, and the held-out loss of every
 * evaluation, one value per exit layer.
 */
public final class LossCurves {

    private final List<double[]> training = new ArrayList<>();
    private final List<double[]> heldOut = new ArrayList<>();

    /** Records step {@code step}'s training loss. */
    public void addTraining(int step, double loss) {
        training.add(new double[] {step, loss});
    }

    /** Records an evaluation after {@code step}: the held-out loss after each exit layer. */
    public void addHeldOut(int step, double[] lossByExit) {
        double[] row = new double[lossByExit.length + 1];
        row[0] = step;
        System.arraycopy(lossByExit, 0, row, 1, lossByExit.length);
        heldOut.add(row);
    }

    /** {@code [step, loss]} for every step trained. */
    public List<double[]> training() {
        return Collections.unmodifiableList(training);
    }

    /** {@code [step, loss after exit 1, ..., loss after the last layer]} per evaluation. */
    public List<double[]> heldOut() {
        return Collections.unmodifiableList(heldOut);
    }

    /** The held-out losses by exit of the evaluation after {@code step}; null if none. */
    public double[] heldOutAt(int step) {
        for (double[] row : heldOut) {
            if (row[0] == step) {
                return Arrays.copyOfRange(row, 1, row.length);
            }
        }
        return null;
    }
}
