package io.exitstream.compression.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Training losses over logits {@code [batch, tokens, vocab]}, averaged over positions. */
public final class Losses {

    private Losses() {
    }

    /** Mean cross-entropy of next-token {@code targets [batch, tokens]} under {@code logits}. */
    public static NDArray crossEntropy(NDArray logits, NDArray targets) {
        NDArray index = targets.toType(DataType.INT64, false).expandDims(-1);
        return logits.logSoftmax(-1).gather(index, -1).mean().neg();
    }

    /**
     * {@code T^2 * KL(softmax(t / T) || softmax(s / T))}: the distillation loss of Hinton et
     * al.; the teacher's logits should not require gradients.
     */
    public static NDArray kl(NDArray teacherLogits, NDArray studentLogits, double temperature) {
        NDArray teacherLog = teacherLogits.div(Scalar.of(teacherLogits, temperature))
                .logSoftmax(-1);
        NDArray studentLog = studentLogits.div(Scalar.of(studentLogits, temperature))
                .logSoftmax(-1);
        NDArray kl = teacherLog.exp().mul(teacherLog.sub(studentLog)).sum(new int[] {-1})
                .mean();
        return kl.mul(Scalar.of(kl, (float) temperature * (float) temperature));
    }
}
