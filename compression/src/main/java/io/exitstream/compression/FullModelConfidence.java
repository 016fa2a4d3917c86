package io.exitstream.compression;

import io.exitstream.engine.exits.ExitHead;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.runtime.LlamaModel;

/**
 * The highest confidence the model's exit heads reach on a corpus while every token runs the
 * whole model. A confidence plan whose thresholds all lie above it never exits on that corpus:
 * by induction over positions, no token exits, so every hidden state stays the full model's and
 * the plan runs exactly as the full model does. Threshold calibration skips scoring such plans.
 */
final class FullModelConfidence {

    private FullModelConfidence() {
    }

    /**
     * @param finalNorm the model's final RMSNorm weight
     * @param minExitLayer heads below it are ignored
     */
    static double max(LlamaModel model, float[] finalNorm, Corpus corpus, int minExitLayer) {
        ModelConfig config = model.config();
        int dim = config.dim();
        ExitFeatures features = ExitFeatures.collect(model, corpus);
        double max = 0;
        for (ExitHead head : model.exitHeads().byLayer().values()) {
            if (head.layer() < minExitLayer) {
                continue;
            }
            float[] hidden = features.hidden()[head.layer()];
            float[] weight = head.confidenceWeight();
            float[] down = head.down();
            float[] up = head.up();
            float[] h = new float[dim];
            float[] low = new float[head.rank()];
            for (int row = 0; row < features.rows(); row++) {
                System.arraycopy(hidden, row * dim, h, 0, dim);
                // h' = h + up (down h)
                for (int r = 0; r < head.rank(); r++) {
                    float sum = 0;
                    for (int i = 0; i < dim; i++) {
                        sum += down[r * dim + i] * hidden[row * dim + i];
                    }
                    low[r] = sum;
                }
                for (int i = 0; i < dim; i++) {
                    for (int r = 0; r < head.rank(); r++) {
                        h[i] += up[i * head.rank() + r] * low[r];
                    }
                }
                double meanSquare = 0;
                for (float v : h) {
                    meanSquare += v * v;
                }
                double scale = 1 / Math.sqrt(meanSquare / dim + config.normEps());
                double score = head.confidenceBias();
                for (int i = 0; i < dim; i++) {
                    score += weight[i] * h[i] * scale * finalNorm[i];
                }
                max = Math.max(max, 1 / (1 + Math.exp(-score)));
            }
        }
        return max;
    }
}
