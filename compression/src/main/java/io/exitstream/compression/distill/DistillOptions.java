package io.exitstream.compression.distill;

/**
 * How to distil.
 *
 * @param temperature softens both distributions before the KL (Hinton et al.); the loss is
 *     scaled by its square so gradients keep their size
 * @param hiddenL2 weight of the mean squared distance between matching hidden states; 0 for none
 * @param steps optimizer steps in all (a resumed run counts the steps already done)
 * @param batch sequences per step
 * @param learningRate Adam's step size
 * @param checkpointEvery steps between checkpoints
 */
public record DistillOptions(double temperature, double hiddenL2, int steps, int batch,
        double learningRate, int checkpointEvery) {

    public DistillOptions {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("--temperature must be positive, got "
                    + temperature);
        }
        if (!(hiddenL2 >= 0)) {
            throw new IllegalArgumentException("--hidden-l2 must be 0 or more, got " + hiddenL2);
        }
        if (steps <= 0 || batch <= 0 || checkpointEvery <= 0) {
            throw new IllegalArgumentException("--steps, --batch and --checkpoint-every must be"
                    + " positive");
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("--lr must be positive, got " + learningRate);
        }
    }
}
