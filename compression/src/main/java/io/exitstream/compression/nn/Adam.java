package io.exitstream.compression.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.exitstream.engine.runtime.Torch;
import java.util.ArrayList;
import java.util.List;

/**
 * Adam (Kingma and Ba) with decoupled weight decay (AdamW, Loshchilov and Hutter) over a fixed
 * list of tensors that require gradients. Updates run outside autograd and clear the gradients.
 * Its moments and step count can be saved and restored, so that training resumes exactly.
 */
public final class Adam {

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;
    private static final NDIndex ALL = new NDIndex("...");
    /** A rare step whose backward pass overflows is skipped, as mixed-precision trainers do. */
    private static final int MAX_SKIPPED_IN_A_ROW = 5;

    /** The optimizer's state after {@code step} updates, on the heap. */
    public record State(int step, float[][] firstMoments, float[][] secondMoments) {
    }

    private final List<NDArray> parameters;
    private final List<NDArray> firstMoments = new ArrayList<>();
    private final List<NDArray> secondMoments = new ArrayList<>();
    private int step;
    private int skippedInARow;

    /** Marks {@code parameters} as requiring gradients; moments live in {@code manager}. */
    public Adam(List<NDArray> parameters, NDManager manager) {
        this.parameters = List.copyOf(parameters);
        for (NDArray p : this.parameters) {
            p.setRequiresGradient(true);
            firstMoments.add(manager.zeros(p.getShape()));
            secondMoments.add(manager.zeros(p.getShape()));
        }
    }

    /** Updates done so far. */
    public int step() {
        return step;
    }

    /** The L2 norm of all gradients together (before the update clears them). */
    private double gradientNorm(NDManager scope) {
        double sum = 0;
        for (NDArray p : parameters) {
            NDArray g = p.getGradient();
            g.attach(scope);
            sum += g.square().sum().getFloat();
        }
        return Math.sqrt(sum);
    }

    /**
     * One update with the gradients clipped to L2 norm {@code clip} (infinity: no clipping),
     * or, when they are not finite, a {@linkplain #skip skipped} step.
     *
     * @return the gradients' norm before clipping
     * @throws IllegalStateException when the gradients were not finite for more than a few
     *     steps in a row: training has diverged
     */
    public double clippedUpdate(NDManager scope, double learningRate, double weightDecay,
            double clip) {
        double norm = gradientNorm(scope);
        if (Double.isFinite(norm)) {
            skippedInARow = 0;
            update(scope, learningRate, weightDecay, norm > clip ? clip / norm : 1);
        } else if (++skippedInARow <= MAX_SKIPPED_IN_A_ROW) {
            skip(scope);
        } else {
            throw new IllegalStateException("the gradients were not finite for "
                    + skippedInARow + " steps in a row up to step " + (step + 1)
                    + "; lower the learning rate");
        }
        return norm;
    }

    /**
     * One update of every parameter with gradients multiplied by {@code gradientScale} (for
     * clipping), then clears the gradients.
     *
     * @param weightDecay decoupled decay per unit learning rate, applied to matrices only
     *     (norm gains keep their scale, as is usual)
     */
    private void update(NDManager scope, double learningRate, double weightDecay,
            double gradientScale) {
        Torch.stopRecordingGradients();
        int t = step + 1;
        double correction1 = 1 - Math.pow(BETA1, t);
        double correction2 = 1 - Math.pow(BETA2, t);
        float stepSize = (float) (learningRate / correction1);
        for (int i = 0; i < parameters.size(); i++) {
            NDArray p = parameters.get(i);
            NDArray g = p.getGradient();
            g.attach(scope);
            NDArray scaled = gradientScale == 1 ? g : g.mul((float) gradientScale);
            NDArray m = firstMoments.get(i);
            NDArray v = secondMoments.get(i);
            m.muli((float) BETA1).addi(scaled.mul((float) (1 - BETA1)));
            v.muli((float) BETA2).addi(scaled.square().mul((float) (1 - BETA2)));
            if (weightDecay > 0 && p.getShape().dimension() > 1) {
                p.muli((float) (1 - learningRate * weightDecay));
            }
            // The moments live in the long-lived manager, so their temporaries are moved to the
            // step's scope: left there, they would leak every parameter's size per step.
            NDArray secondEstimate = v.div((float) correction2);
            secondEstimate.attach(scope);
            NDArray firstEstimate = m.mul(stepSize);
            firstEstimate.attach(scope);
            p.subi(firstEstimate.div(secondEstimate.sqrt().add((float) EPSILON)));
            clear(g);
        }
        step = t;
    }

    /**
     * Clears every gradient without updating: for a step whose gradients are not finite. The
     * step still counts, so that a resumed run stays aligned with its data.
     */
    private void skip(NDManager scope) {
        Torch.stopRecordingGradients();
        for (NDArray p : parameters) {
            NDArray g = p.getGradient();
            g.attach(scope);
            clear(g);
        }
        step++;
    }

    /** Zeroes a gradient in place; assignment, not {@code g - g}, which keeps NaN and inf. */
    private static void clear(NDArray gradient) {
        gradient.set(ALL, 0);
    }

    /** The moments and step count, copied to the heap. */
    public State state() {
        return new State(step, host(firstMoments), host(secondMoments));
    }

    /**
     * Continues from a saved state of an optimizer over tensors of the same shapes.
     *
     * @throws IllegalArgumentException when the state belongs to other tensors
     */
    public void restore(State state) {
        if (state.firstMoments().length != parameters.size()) {
            throw new IllegalArgumentException("the checkpoint's optimizer state does not fit"
                    + " this model");
        }
        for (int i = 0; i < parameters.size(); i++) {
            firstMoments.get(i).set(state.firstMoments()[i]);
            secondMoments.get(i).set(state.secondMoments()[i]);
        }
        step = state.step();
    }

    private static float[][] host(List<NDArray> arrays) {
        return arrays.stream().map(NDArray::toFloatArray).toArray(float[][]::new);
    }
}
