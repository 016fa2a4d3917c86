package io.exitstream.compression.train;

import io.exitstream.compression.nn.TorchLlama.MatmulPrecision;

/**
 * How to train with the LayerSkip recipe (Elhoushi et al., 2024).
 *
 * @param steps optimizer steps in all (a resumed run counts the steps already done)
 * @param batch windows per step
 * @param microBatch windows per forward pass; each draws its own layer dropout
 * @param learningRate peak learning rate, reached after {@code warmup} steps and then decayed
 *     along a cosine to {@code learningRate * minLearningRateRatio}
 * @param minLearningRateRatio where the cosine ends, relative to the peak
 * @param warmup steps of linear warm-up
 * @param weightDecay AdamW's decoupled decay, on matrices only
 * @param clip largest gradient norm; larger gradients are scaled down to it
 * @param layerDrop LayerSkip's p_max: layer l of L is skipped with probability
 *     {@code layerDrop * (exp(l ln 2 / (L - 1)) - 1)}, 0 for the first layer and p_max for the
 *     last, rising exponentially with depth
 * @param exitScale LayerSkip's e_scale: weight of the early-exit losses against the last
 *     layer's; 0 trains the last layer only
 * @param exitRotation LayerSkip's rotational curriculum C_rot,R: at step s only the layers
 *     with {@code l % R == s % R} add their exit loss (the last layer always does), which keeps
 *     the LM head's cost to about L / R extra applications per step
 * @param distillWeight weight of the logit distillation loss from a teacher of the same
 *     vocabulary, mixed into the last layer's loss: {@code (1 - w) CE + w KL}; 0 for none
 * @param temperature the distillation's softmax temperature
 * @param seed data order and layer dropout draws
 * @param matmul the precision of the model's (and a same-vocabulary teacher's) matrix products
 */
public record LayerSkipOptions(int steps, int batch, int microBatch, double learningRate,
        double minLearningRateRatio, int warmup, double weightDecay, double clip,
        double layerDrop, double exitScale, int exitRotation, double distillWeight,
        double temperature, long seed, MatmulPrecision matmul) {

    public LayerSkipOptions {
        if (steps <= 0 || batch <= 0 || microBatch <= 0) {
            throw new IllegalArgumentException("--steps, --batch and --micro-batch must be"
                    + " positive");
        }
        if (batch % microBatch != 0) {
            throw new IllegalArgumentException("--batch (" + batch + ") must be a multiple of"
                    + " --micro-batch (" + microBatch + ")");
        }
        if (!(learningRate > 0) || !(minLearningRateRatio >= 0 && minLearningRateRatio <= 1)) {
            throw new IllegalArgumentException("--lr must be positive and --min-lr-ratio in"
                    + " [0, 1]");
        }
        if (warmup < 0 || !(weightDecay >= 0) || !(clip > 0)) {
            throw new IllegalArgumentException("--warmup and --weight-decay must be 0 or more,"
                    + " --clip positive");
        }
        if (!(layerDrop >= 0 && layerDrop < 1)) {
            throw new IllegalArgumentException("--layer-drop must be in [0, 1), got "
                    + layerDrop);
        }
        if (!(exitScale >= 0) || exitRotation < 1) {
            throw new IllegalArgumentException("--exit-scale must be 0 or more and"
                    + " --exit-rotation at least 1");
        }
        if (!(distillWeight >= 0 && distillWeight <= 1) || !(temperature > 0)) {
            throw new IllegalArgumentException("--distill-weight must be in [0, 1] and"
                    + " --temperature positive");
        }
        if (matmul == null) {
            throw new IllegalArgumentException("--matmul must be float32 or bfloat16");
        }
    }

    /** Probability that layer {@code l} of {@code layers} is skipped in a micro-batch. */
    public double dropProbability(int l, int layers) {
        if (layers == 1) {
            return 0;
        }
        return layerDrop * (Math.exp(l * Math.log(2) / (layers - 1)) - 1);
    }

    /**
     * The exit-loss weights at {@code step}, normalised to sum to 1: LayerSkip's
     * {@code e(l) = e_scale * sum_{i <= l} i} for the earlier layers and
     * {@code L - 1 + e_scale * sum_{i <= L - 2} i} for the last, kept where the rotation
     * enables them. Deeper exits weigh more; the first layer's weight is 0.
     */
    public double[] exitWeights(int step, int layers) {
        double[] weights = new double[layers];
        double total = 0;
        for (int l = 0; l < layers; l++) {
            boolean last = l == layers - 1;
            if (!last && (exitScale == 0 || l % exitRotation != step % exitRotation)) {
                continue;
            }
            weights[l] = last ? layers - 1 + exitScale * triangle(layers - 2)
                    : exitScale * triangle(l);
            total += weights[l];
        }
        for (int l = 0; l < layers; l++) {
            weights[l] = total > 0 ? weights[l] / total : (l == layers - 1 ? 1 : 0);
        }
        return weights;
    }

    /** The learning rate of step {@code step} (0-based): warm-up, then cosine decay. */
    public double learningRate(int step) {
        if (step < warmup) {
            return learningRate * (step + 1) / warmup;
        }
        double progress = steps == warmup ? 1 : (step - warmup) / (double) (steps - warmup);
        double cosine = 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
        return learningRate * (minLearningRateRatio + (1 - minLearningRateRatio) * cosine);
    }

    private static double triangle(int n) {
        return n * (n + 1) / 2.0;
    }
}
