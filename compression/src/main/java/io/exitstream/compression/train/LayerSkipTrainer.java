package io.exitstream.compression.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.exitstream.compression.nn.Adam;
import io.exitstream.compression.nn.Losses;
import io.exitstream.compression.nn.Scalar;
import io.exitstream.compression.nn.TorchLlama;
import io.exitstream.compression.nn.TorchLlama.Site;
import io.exitstream.engine.model.LlamaWeights;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Trains a Llama decoder on CPU with PyTorch's autograd the way early-exit models should be
 * trained (LayerSkip, Elhoushi et al. 2024): layer dropout rising with depth, so that later
 * layers learn not to be needed, and an early-exit loss that applies the shared final norm and
 * LM head after every layer, so that every layer's output is a usable prediction. Optionally a
 * teacher adds logit distillation to the last layer's loss: run alongside when it shares the
 * vocabulary, through {@link TeacherTargets} when it does not. Owned by one thread.
 *
 * <p>Step {@code s} trains on windows {@code s * batch ...} of the run and draws its layer
 * dropout from a generator seeded by the step, so a run resumed from a checkpoint continues
 * exactly as the uninterrupted run would have.
 */
public final class LayerSkipTrainer implements AutoCloseable {

    /**
     * What one step did, for progress reports.
     *
     * @param loss the weighted loss that was minimised
     * @param lastLayerLoss cross-entropy of the last layer, in nats per token
     */
    public record Step(int step, double loss, double lastLayerLoss, long tokens,
            double learningRate, double gradientNorm) {
    }

    private final NDManager manager;
    private final TorchLlama model;
    private final TorchLlama teacher;
    private final TeacherTargets targets;
    private final PieceDistillationLoss pieceLoss;
    private final LayerSkipOptions options;
    private final Adam adam;
    private final int layers;

    /**
     * @param start the weights to train from (see {@link Initialization} for fresh ones)
     * @param teacher a model of the same vocabulary to distil from, or null
     */
    public LayerSkipTrainer(LlamaWeights start, LlamaWeights teacher, LayerSkipOptions options) {
        this(start, teacher, null, options);
    }

    /**
     * Distils from a teacher of another vocabulary through its precomputed distributions.
     *
     * @param targets made for the documents and tokenizer of the windows this will train on
     */
    public static LayerSkipTrainer distillingAcrossVocabularies(LlamaWeights start,
            TeacherTargets targets, LayerSkipOptions options) {
        return new LayerSkipTrainer(start, null, targets, options);
    }

    private LayerSkipTrainer(LlamaWeights start, LlamaWeights teacher, TeacherTargets targets,
            LayerSkipOptions options) {
        if (teacher != null && teacher.config().vocabSize() != start.config().vocabSize()) {
            throw new IllegalArgumentException("the teacher's vocabulary ("
                    + teacher.config().vocabSize() + ") differs from the model's ("
                    + start.config().vocabSize() + "): running it alongside needs the same"
                    + " tokenizer; distil through its TeacherTargets instead");
        }
        if (teacher == null && targets == null && options.distillWeight() > 0) {
            throw new IllegalArgumentException("--distill-weight needs a --teacher");
        }
        this.manager = NDManager.newBaseManager();
        this.model = TorchLlama.of(start, manager, options.matmul());
        this.teacher = teacher == null ? null
                : TorchLlama.of(teacher, manager, options.matmul());
        this.targets = targets;
        this.pieceLoss = targets == null ? null : new PieceDistillationLoss(targets.classes());
        this.options = options;
        this.adam = new Adam(model.parameters(), manager);
        this.layers = start.config().layers();
    }

    /** Steps done so far. */
    public int step() {
        return adam.step();
    }

    /** Runs steps until {@code until} (at most the configured total), reporting each. */
    public void train(TokenWindows data, int until, Consumer<Step> onStep) {
        if (data.length() > model.config().contextLength()) {
            throw new IllegalArgumentException("windows of " + data.length() + " tokens exceed"
                    + " the model's context of " + model.config().contextLength());
        }
        if (targets != null && targets.tokens() != data.tokens()) {
            throw new IllegalArgumentException("the teacher's targets were made for a stream of "
                    + targets.tokens() + " tokens, not these windows' " + data.tokens());
        }
        int last = Math.min(until, options.steps());
        while (adam.step() < last) {
            onStep.accept(trainStep(data));
        }
    }

    private Step trainStep(TokenWindows data) {
        int step = adam.step();
        SplittableRandom dropout = new SplittableRandom(options.seed() * 7_919L + step);
        double[] exitWeights = options.exitWeights(step, layers);
        int microBatches = options.batch() / options.microBatch();
        double loss = 0;
        double lastLayerLoss = 0;
        long tokens = 0;
        try (NDManager scope = manager.newSubManager()) {
            for (int m = 0; m < microBatches; m++) {
                long first = (long) step * options.batch() + (long) m * options.microBatch();
                try (NDManager micro = scope.newSubManager();
                        GradientCollector collector =
                                Engine.getInstance().newGradientCollector()) {
                    NDArray windows = windows(micro, data, first);
                    TeacherTargets.Batch teacherTargets = targets == null ? null
                            : targets.batch(starts(data, first), data.length());
                    NDArray[] losses = loss(windows, teacherTargets, exitWeights,
                            skipped(dropout));
                    collector.backward(losses[0].div(Scalar.of(losses[0], microBatches)));
                    loss += losses[0].getFloat() / microBatches;
                    lastLayerLoss += losses[1].getFloat() / microBatches;
                    tokens += windows.size();
                }
            }
            if (!Double.isFinite(loss)) {
                throw new IllegalStateException("the loss became " + loss + " at step "
                        + (step + 1) + "; lower the learning rate");
            }
            double learningRate = options.learningRate(step);
            double norm = adam.clippedUpdate(scope, learningRate, options.weightDecay(),
                    options.clip());
            return new Step(adam.step(), loss, lastLayerLoss,
                    tokens - (long) options.batch(), learningRate, norm);
        }
    }

    /** Windows {@code first ..} of the run as {@code [microBatch, length + 1]} token ids. */
    private NDArray windows(NDManager scope, TokenWindows data, long first) {
        int width = data.length() + 1;
        int[] ids = new int[options.microBatch() * width];
        for (int i = 0; i < options.microBatch(); i++) {
            System.arraycopy(data.window(first + i), 0, ids, i * width, width);
        }
        return scope.create(ids, new Shape(options.microBatch(), width));
    }

    private long[] starts(TokenWindows data, long first) {
        long[] starts = new long[options.microBatch()];
        for (int i = 0; i < starts.length; i++) {
            starts[i] = data.start(first + i);
        }
        return starts;
    }

    private boolean[] skipped(SplittableRandom dropout) {
        boolean[] skipped = new boolean[layers];
        for (int l = 0; l < layers; l++) {
            skipped[l] = dropout.nextDouble() < options.dropProbability(l, layers);
        }
        return skipped;
    }

    /**
     * The weighted LayerSkip loss over every enabled exit, and the last layer's cross-entropy
     * alone.
     */
    private NDArray[] loss(NDArray windows, TeacherTargets.Batch teacherTargets,
            double[] exitWeights, boolean[] skipped) {
        long width = windows.getShape().get(1);
        NDArray inputs = windows.get(new NDIndex(":, 0:{}", width - 1));
        NDArray targets = windows.get(new NDIndex(":, 1:"));
        NDArray[] residuals = new NDArray[layers + 1];
        NDArray logits = model.forward(inputs, residualsInto(residuals), skipped);
        NDArray lastLayer = Losses.crossEntropy(logits, targets);
        NDArray total = lastLayerTerm(inputs, teacherTargets, logits, lastLayer);
        total = total.mul(Scalar.of(total, exitWeights[layers - 1]));
        for (int l = 0; l < layers - 1; l++) {
            if (exitWeights[l] > 0) {
                NDArray exit = Losses.crossEntropy(model.head(residuals[l + 1]), targets);
                total = total.add(exit.mul(Scalar.of(exit, exitWeights[l])));
            }
        }
        return new NDArray[] {total, lastLayer};
    }

    /** The last layer's cross-entropy, mixed with distillation from the teacher if any. */
    private NDArray lastLayerTerm(NDArray inputs, TeacherTargets.Batch teacherTargets,
            NDArray logits, NDArray crossEntropy) {
        if (options.distillWeight() == 0) {
            return crossEntropy;
        }
        NDArray distillation = teacherTargets != null
                ? pieceLoss.of(logits, teacherTargets, options.temperature())
                : Losses.kl(teacher.forward(inputs, TorchLlama.Probe.NONE).stopGradient(),
                        logits, options.temperature());
        float w = (float) options.distillWeight();
        return crossEntropy.mul(Scalar.of(crossEntropy, 1 - w))
                .add(distillation.mul(Scalar.of(distillation, w)));
    }

    /**
     * The mean cross-entropy, in nats per token, of an exit after every layer (the last entry
     * is the full model) over the first {@code maxWindows} windows of {@code heldOut}, with no
     * layer dropped.
     */
    public double[] heldOutLoss(TokenWindows heldOut, int maxWindows) {
        int n = Math.min(maxWindows, heldOut.count());
        double[] losses = new double[layers];
        for (int i = 0; i < n; i++) {
            try (NDManager scope = manager.newSubManager()) {
                int[] window = heldOut.windowAt(i);
                NDArray ids = scope.create(window, new Shape(1, window.length));
                NDArray inputs = ids.get(new NDIndex(":, 0:{}", window.length - 1));
                NDArray targets = ids.get(new NDIndex(":, 1:"));
                NDArray[] residuals = new NDArray[layers + 1];
                model.forward(inputs, residualsInto(residuals));
                for (int l = 0; l < layers; l++) {
                    losses[l] += Losses.crossEntropy(model.head(residuals[l + 1]), targets)
                            .getFloat() / n;
                }
            }
        }
        return losses;
    }

    /** A probe that keeps the residual stream entering each layer (and after the last). */
    private static TorchLlama.Probe residualsInto(NDArray[] residuals) {
        return (site, layer, x) -> {
            if (site == Site.RESIDUAL) {
                residuals[layer] = x;
            }
        };
    }

    /** The current weights. */
    public LlamaWeights weights() {
        return model.toWeights();
    }

    /** The optimizer's state, for a checkpoint. */
    public Adam.State optimizerState() {
        return adam.state();
    }

    /** Continues from a checkpoint's optimizer state (its weights were the start). */
    public void resume(Adam.State state) {
        adam.restore(state);
    }

    @Override
    public void close() {
        if (teacher != null) {
            teacher.close();
        }
        model.close();
        manager.close();
    }
}
