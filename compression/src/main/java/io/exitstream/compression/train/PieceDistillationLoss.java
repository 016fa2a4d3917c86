package io.exitstream.compression.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.exitstream.compression.nn.Scalar;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Logit distillation across vocabularies: the cross-entropy of the teacher's distribution over
 * {@link PieceClasses} (its kept classes and one remainder, from {@link TeacherTargets}) under
 * the student's, where a class's probability is the sum of its tokens' probabilities. The sums
 * come from one cumulative sum over the vocabulary laid out class by class, so the cost does
 * not grow with the number of classes. Scaled by {@code T^2} like Hinton et al.'s loss, and
 * averaged over the positions that have a target.
 */
final class PieceDistillationLoss {

    /** Keeps the log of a class probability finite (and its gradient alive) at zero. */
    private static final float FLOOR = 1e-6f;

    private final long[] tokensByClass;
    private final int[] classStart;
    private final int[] classEnd;

    PieceDistillationLoss(PieceClasses classes) {
        int vocab = classes.studentVocabSize();
        Integer[] order = IntStream.range(0, vocab).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingInt(classes::ofStudent));
        tokensByClass = new long[vocab];
        classStart = new int[classes.count()];
        classEnd = new int[classes.count()];
        // Every class has a student token: classes are made from the student's tokens.
        Arrays.fill(classStart, -1);
        for (int i = 0; i < vocab; i++) {
            int c = classes.ofStudent(order[i]);
            tokensByClass[i] = order[i];
            if (classStart[c] < 0) {
                classStart[c] = i;
            }
            classEnd[c] = i + 1;
        }
    }

    /** The loss for student logits {@code [windows, length, vocab]} and their targets. */
    NDArray of(NDArray logits, TeacherTargets.Batch targets, double temperature) {
        NDManager scope = logits.getManager();
        Shape shape = logits.getShape();
        long windows = shape.get(0);
        long length = shape.get(1);
        Shape perPosition = new Shape(windows, length);
        Shape perClass = new Shape(windows, length, TeacherTargets.TOP);
        NDArray order = scope.create(tokensByClass).broadcast(shape);
        NDArray byClass = logits.div(Scalar.of(logits, temperature)).softmax(-1)
                .gather(order, -1);
        // cumulative[k]: probability of the first k tokens in class order.
        NDArray cumulative = scope.zeros(new Shape(windows, length, 1))
                .concat(byClass.cumSum(2), 2);
        int[] ids = targets.classes();
        long[] ends = new long[ids.length];
        long[] starts = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            ends[i] = classEnd[ids[i]];
            starts[i] = classStart[ids[i]];
        }
        NDArray zero = Scalar.of(logits, 0);
        NDArray one = Scalar.of(logits, 1);
        NDArray floor = Scalar.of(logits, FLOOR);
        NDArray student = cumulative.gather(scope.create(ends, perClass), -1)
                .sub(cumulative.gather(scope.create(starts, perClass), -1)).maximum(zero);
        NDArray studentRest = student.sum(new int[] {2}).neg().add(one).maximum(floor);
        float[] p = targets.probabilities();
        float[] rest = new float[targets.mask().length];
        for (int i = 0; i < rest.length; i++) {
            float kept = 0;
            for (int k = 0; k < TeacherTargets.TOP; k++) {
                kept += p[i * TeacherTargets.TOP + k];
            }
            rest[i] = Math.max(0, 1 - kept);
        }
        NDArray crossEntropy = scope.create(p, perClass).mul(student.add(floor).log())
                .sum(new int[] {2})
                .add(scope.create(rest, perPosition).mul(studentRest.log())).neg();
        NDArray mask = scope.create(targets.mask(), perPosition);
        float targetsPresent = Math.max(1f, mask.sum().getFloat());
        return crossEntropy.mul(mask).sum().div(Scalar.of(mask, targetsPresent))
                .mul(Scalar.of(mask, (float) (temperature * temperature)));
    }
}
