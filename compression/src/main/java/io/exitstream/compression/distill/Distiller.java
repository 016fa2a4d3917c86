package io.exitstream.compression.distill;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.exitstream.compression.Corpus;
import io.exitstream.compression.nn.Adam;
import io.exitstream.compression.nn.Losses;
import io.exitstream.compression.nn.Scalar;
import io.exitstream.compression.nn.TorchLlama;
import io.exitstream.compression.nn.TorchLlama.Site;
import io.exitstream.engine.model.LlamaWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Knowledge distillation of a (pruned) student towards its teacher on CPU with PyTorch's
 * autograd: the loss is the KL divergence from the teacher's softened next-token distribution
 * to the student's, plus optionally the mean squared distance between the outputs of matching
 * layers. Adam updates every student weight. Owned by one thread.
 *
 * <p>Step {@code s} trains on sequences {@code s * batch ...} of the corpus (wrapping around),
 * so a run resumed from a checkpoint sees exactly the data the uninterrupted run
 * would have.
 */
public final class Distiller implements AutoCloseable {

    /** What one step did, for progress reports. */
    public record Step(int step, double loss, int tokens) {
    }

    private final NDManager manager;
    private final TorchLlama teacher;
    private final TorchLlama student;
    private final int[] layerMap;
    private final DistillOptions options;
    private final Adam adam;

    /**
     * @param layerMap student layer i imitates the output of teacher layer
     *     {@code layerMap[i]} (used when {@code options.hiddenL2() > 0})
     */
    public Distiller(LlamaWeights teacher, LlamaWeights student, int[] layerMap,
            DistillOptions options) {
        if (teacher.config().vocabSize() != student.config().vocabSize()) {
            throw new IllegalArgumentException("the teacher's vocabulary ("
                    + teacher.config().vocabSize() + ") differs from the student's ("
                    + student.config().vocabSize() + ")");
        }
        if (options.hiddenL2() > 0 && teacher.config().dim() != student.config().dim()) {
            throw new IllegalArgumentException("--hidden-l2 needs equal hidden widths; the"
                    + " teacher has " + teacher.config().dim() + ", the student "
                    + student.config().dim());
        }
        if (layerMap.length != student.config().layers()) {
            throw new IllegalArgumentException("the layer map has " + layerMap.length
                    + " entries for " + student.config().layers() + " student layers");
        }
        this.manager = NDManager.newBaseManager();
        this.teacher = TorchLlama.of(teacher, manager);
        this.student = TorchLlama.of(student, manager);
        this.layerMap = layerMap.clone();
        this.options = options;
        this.adam = new Adam(this.student.parameters(), manager);
    }

    /** Steps done so far. */
    public int step() {
        return adam.step();
    }

    /** Runs steps until {@code until} (at most the configured total), reporting each. */
    public void train(Corpus corpus, int until, Consumer<Step> onStep) {
        int last = Math.min(until, options.steps());
        while (adam.step() < last) {
            onStep.accept(trainStep(corpus));
        }
    }

    private Step trainStep(Corpus corpus) {
        List<int[]> sequences = corpus.sequences();
        int step = adam.step();
        double loss = 0;
        int tokens = 0;
        try (NDManager scope = manager.newSubManager()) {
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                for (int k = 0; k < options.batch(); k++) {
                    int[] sequence = sequences.get((step * options.batch() + k)
                            % sequences.size());
                    NDArray l = loss(scope, sequence);
                    l = l.div(Scalar.of(l, options.batch()));
                    collector.backward(l);
                    loss += l.getFloat();
                    tokens += sequence.length;
                }
            }
            if (!Double.isFinite(loss)) {
                throw new IllegalStateException("the loss became " + loss + " at step "
                        + (step + 1) + "; lower the learning rate");
            }
            // A step whose gradients overflow is skipped, as in train.
            adam.clippedUpdate(scope, options.learningRate(), 0, Double.POSITIVE_INFINITY);
        }
        return new Step(adam.step(), loss, tokens);
    }

    /**
     * The mean distillation loss per token on {@code sequence}: temperature-scaled KL, plus the
     * hidden-state term. The teacher's outputs are constants to the gradient.
     */
    private NDArray loss(NDManager scope, int[] sequence) {
        NDArray ids = scope.create(sequence, new Shape(1, sequence.length));
        List<NDArray> teacherHidden = new ArrayList<>();
        List<NDArray> studentHidden = new ArrayList<>();
        boolean hidden = options.hiddenL2() > 0;
        NDArray teacherLogits = teacher.forward(ids, hidden ? residuals(teacherHidden)
                : TorchLlama.Probe.NONE).stopGradient();
        NDArray studentLogits = student.forward(ids, hidden ? residuals(studentHidden)
                : TorchLlama.Probe.NONE);
        NDArray loss = Losses.kl(teacherLogits, studentLogits, options.temperature());
        if (hidden) {
            for (int i = 0; i < layerMap.length; i++) {
                NDArray target = teacherHidden.get(layerMap[i] + 1).stopGradient();
                NDArray l2 = studentHidden.get(i + 1).sub(target).square().mean();
                loss = loss.add(l2.mul(Scalar.of(l2, options.hiddenL2())));
            }
        }
        return loss;
    }

    private static TorchLlama.Probe residuals(List<NDArray> into) {
        return (site, layer, x) -> {
            if (site == Site.RESIDUAL) {
                into.add(x);
            }
        };
    }

    /**
     * The mean per-token KL (at temperature 1) from the teacher to the student over
     * {@code corpus}: how far the student is from imitating its teacher on that text.
     */
    public double heldOutKl(Corpus corpus) {
        double sum = 0;
        long positions = 0;
        for (int[] sequence : corpus.sequences()) {
            try (NDManager scope = manager.newSubManager()) {
                NDArray ids = scope.create(sequence, new Shape(1, sequence.length));
                NDArray kl = Losses.kl(teacher.forward(ids, TorchLlama.Probe.NONE),
                        student.forward(ids, TorchLlama.Probe.NONE), 1);
                sum += kl.getFloat() * sequence.length;
                positions += sequence.length;
            }
        }
        return sum / positions;
    }

    /** The student's current weights. */
    public LlamaWeights student() {
        return student.toWeights();
    }

    /** The optimizer's state, for a checkpoint. */
    public Adam.State optimizerState() {
        return adam.state();
    }

    /** Continues from a checkpoint's optimizer state (its weights were loaded as the student). */
    public void resume(Adam.State state) {
        adam.restore(state);
    }

    @Override
    public void close() {
        teacher.close();
        student.close();
        manager.close();
    }
}
