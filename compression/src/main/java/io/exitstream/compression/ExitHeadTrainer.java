package io.exitstream.compression;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.exitstream.compression.nn.Scalar;
import io.exitstream.engine.exits.ExitHead;
import io.exitstream.engine.exits.ExitHeads;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.runtime.LlamaModel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Trains one exit head per layer {@code 0..L-2} on the CPU with DJL's autograd and Adam.
 *
 * <p>First the optional low-rank adapter, by distillation: it minimises
 * {@code KL(full || exit)}, the full model's next-token distribution against the exit's, where
 * the exit's logits are the model's own final RMSNorm and LM head (frozen, shared) applied to
 * {@code h + up (down h)}. The adapter starts as the identity ({@code up = 0}, as LoRA does).
 * Then the confidence head, CALM's classifier: a logistic regression on the exit's normed hidden
 * state that predicts whether the exit's argmax equals the full model's.
 */
public final class ExitHeadTrainer {

    /** Rows per Adam step. */
    private static final int BATCH = 256;

    /**
     * @param rank adapter rank, 0 for none (the exit is then the final norm and LM head alone)
     * @param epochs passes over the training rows, for the adapter and for the classifier
     * @param learningRate Adam's step size
     * @param seed for the adapter's initial weights and the row order
     */
    public record Options(int rank, int epochs, float learningRate, long seed) {

        public Options {
            if (rank < 0) {
                throw new IllegalArgumentException("--rank must be >= 0, got " + rank);
            }
            if (epochs <= 0) {
                throw new IllegalArgumentException("--epochs must be positive, got " + epochs);
            }
            if (!(learningRate > 0)) {
                throw new IllegalArgumentException("the learning rate must be positive, got "
                        + learningRate);
            }
        }
    }

    /**
     * How one exit did on the training rows after training.
     *
     * @param kl mean {@code KL(full || exit)} in nats
     * @param agreement fraction of rows whose exit argmax is the full model's
     * @param classifierAccuracy fraction of rows the confidence head classifies right at 0.5
     */
    public record LayerStats(int layer, double kl, double agreement,
            double classifierAccuracy) {
    }

    /** The trained heads and how each did. */
    public record Result(ExitHeads heads, List<LayerStats> stats) {
    }

    private final ModelConfig config;
    private final float[] finalNorm;
    private final float[] classifier;
    private final Options options;

    public ExitHeadTrainer(LlamaWeights weights, Options options) {
        this.config = weights.config();
        this.finalNorm = weights.finalNorm();
        this.classifier = weights.classifier();
        this.options = options;
    }

    /** Trains a head for every layer but the last on the model's outputs for a corpus. */
    public Result train(LlamaModel model, Corpus corpus, Progress progress) {
        ExitFeatures features = ExitFeatures.collect(model, corpus);
        int exits = config.layers() - 1;
        int batches = (features.rows() + BATCH - 1) / BATCH;
        int phases = options.rank() > 0 ? 2 : 1;
        progress.begin("train exit heads", (long) exits * phases * options.epochs() * batches);
        List<ExitHead> heads = new ArrayList<>();
        List<LayerStats> stats = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            Frozen frozen = new Frozen(manager.create(finalNorm),
                    manager.create(classifier, new Shape(config.vocabSize(), config.dim()))
                            .transpose());
            for (int layer = 0; layer < exits; layer++) {
                try (NDManager layerScope = manager.newSubManager()) {
                    Layer trained = trainLayer(layerScope, frozen, layer, features, progress);
                    heads.add(trained.head);
                    stats.add(trained.stats);
                }
            }
        }
        progress.end();
        return new Result(ExitHeads.of(heads), stats);
    }

    /** The shared, frozen final norm gain and LM head (transposed to {@code [dim, vocab]}). */
    private record Frozen(NDArray gain, NDArray lmHead) {
    }

    private record Layer(ExitHead head, LayerStats stats) {
    }

    private Layer trainLayer(NDManager scope, Frozen frozen, int layer, ExitFeatures features,
            Progress progress) {
        int dim = config.dim();
        int rows = features.rows();
        int rank = options.rank();
        NDArray hidden = scope.create(features.hidden()[layer], new Shape(rows, dim));
        NDArray teacherLogits = scope.create(features.teacherLogits(),
                new Shape(rows, config.vocabSize()));
        NDArray teacherLogProbs = teacherLogits.logSoftmax(1);
        NDArray teacherArgmax = teacherLogits.argMax(1);
        SplittableRandom random = new SplittableRandom(options.seed() + layer);

        // Parameters as the transposes of the head's down [rank, dim] and up [dim, rank], so
        // that every product has a batch on its left and lands in the step's scope.
        NDArray downT = null;
        NDArray upT = null;
        if (rank > 0) {
            float[] init = new float[dim * rank];
            for (int i = 0; i < init.length; i++) {
                init[i] = (float) (random.nextGaussian() / Math.sqrt(dim));
            }
            downT = scope.create(init, new Shape(dim, rank));
            upT = scope.zeros(new Shape(rank, dim));
            NDArray down = downT;
            NDArray up = upT;
            fit(scope, trainable(downT, upT), List.of(hidden, teacherLogProbs),
                    batch -> klDivergence(batch[1],
                            exitLogits(adapted(batch[0], down, up), frozen).logSoftmax(1)),
                    random, progress);
        }
        // Features for the confidence head, cut from the adapter's graph: PyTorch's grad mode is
        // per thread and on by default, so on a thread DJL never switched it off these would
        // carry the adapter's graph into every backward pass of the second fit.
        NDArray normed = rmsNorm(adapted(hidden, downT, upT), frozen.gain).stopGradient();
        NDArray exitLogits = normed.matMul(frozen.lmHead);
        double kl = klDivergence(teacherLogProbs, exitLogits.logSoftmax(1)).getFloat();
        NDArray labels = exitLogits.argMax(1).eq(teacherArgmax).toType(
                DataType.FLOAT32, false);
        double agreement = labels.mean().getFloat();

        NDArray weight = scope.zeros(new Shape(dim, 1));
        NDArray bias = scope.zeros(new Shape(1));
        fit(scope, trainable(weight, bias), List.of(normed, labels),
                batch -> logisticLoss(batch[0].matMul(weight).reshape(-1).add(bias), batch[1]),
                random, progress);
        NDArray predicted = normed.matMul(weight).reshape(-1).add(bias).gt(0);
        double accuracy = predicted.eq(labels.gt(0.5f)).toType(
                DataType.FLOAT32, false).mean().getFloat();

        ExitHead head = rank > 0
                ? new ExitHead(layer, weight.toFloatArray(), bias.getFloat(0), rank,
                        downT.transpose().toFloatArray(), upT.transpose().toFloatArray())
                : new ExitHead(layer, weight.toFloatArray(), bias.getFloat(0));
        return new Layer(head, new LayerStats(layer, kl, agreement, accuracy));
    }

    /**
     * Minimises {@code loss} over the rows of {@code data} (arrays with rows in common) by Adam
     * on {@code parameters}, in shuffled batches, for the configured epochs.
     */
    private void fit(NDManager scope, NDArray[] parameters, List<NDArray> data,
            Function<NDArray[], NDArray> loss, SplittableRandom random, Progress progress) {
        Optimizer adam = Optimizer.adam()
                .optLearningRateTracker(Tracker.fixed(options.learningRate())).build();
        long rows = data.get(0).getShape().get(0);
        for (int epoch = 0; epoch < options.epochs(); epoch++) {
            for (long[] batch : batches((int) rows, random)) {
                try (NDManager step = scope.newSubManager()) {
                    NDArray index = step.create(batch);
                    NDArray[] rowsOf = data.stream().map(d -> d.get(index))
                            .toArray(NDArray[]::new);
                    step.tempAttachAll(rowsOf);
                    try (GradientCollector collector = Engine.getInstance()
                            .newGradientCollector()) {
                        collector.backward(loss.apply(rowsOf));
                    }
                    for (int i = 0; i < parameters.length; i++) {
                        NDArray gradient = parameters[i].getGradient();
                        adam.update(String.valueOf(i), parameters[i], gradient);
                        // PyTorch accumulates gradients.
                        gradient.subi(gradient);
                    }
                }
                progress.step();
            }
        }
    }

    /** {@code h + (h down^T) up^T}, or {@code h} without an adapter. */
    private static NDArray adapted(NDArray h, NDArray downT, NDArray upT) {
        return downT == null ? h : h.add(h.matMul(downT).matMul(upT));
    }

    private NDArray exitLogits(NDArray h, Frozen frozen) {
        return rmsNorm(h, frozen.gain).matMul(frozen.lmHead);
    }

    /** The model's final RMSNorm, gain included. */
    private NDArray rmsNorm(NDArray h, NDArray gain) {
        NDArray meanSquare = h.square().mean(new int[] {1}, true);
        return h.div(meanSquare.add(Scalar.of(h, config.normEps())).sqrt()).mul(gain);
    }

    /** Mean over rows of {@code sum_v p (log p - log q)} from log-probabilities. */
    private static NDArray klDivergence(NDArray logP, NDArray logQ) {
        return logP.exp().mul(logP.sub(logQ)).sum(new int[] {1}).mean();
    }

    /** Mean binary cross-entropy of {@code sigmoid(score)} against 0/1 labels, stably. */
    private static NDArray logisticLoss(NDArray score, NDArray labels) {
        // log(1 + e^s) - y s, with log(1 + e^s) = max(s, 0) + log(1 + e^-|s|).
        NDArray softplus = score.maximum(Scalar.of(score, 0))
                .add(score.abs().neg().exp().add(Scalar.of(score, 1)).log());
        return softplus.sub(labels.mul(score)).mean();
    }

    private static NDArray[] trainable(NDArray... parameters) {
        for (NDArray p : parameters) {
            p.setRequiresGradient(true);
        }
        return parameters;
    }

    /** The rows in a fresh random order, cut into batches. */
    private static List<long[]> batches(int rows, SplittableRandom random) {
        long[] order = new long[rows];
        for (int i = 0; i < rows; i++) {
            order[i] = i;
        }
        for (int i = rows - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        List<long[]> batches = new ArrayList<>();
        for (int from = 0; from < rows; from += BATCH) {
            long[] batch = new long[Math.min(BATCH, rows - from)];
            System.arraycopy(order, from, batch, 0, batch.length);
            batches.add(batch);
        }
        return batches;
    }
}
