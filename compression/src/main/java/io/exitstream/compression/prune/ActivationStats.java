package io.exitstream.compression.prune;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.exitstream.engine.model.ModelConfig;

/**
 * What one calibration pass saw, enough for every pruning criterion: per layer, the summed
 * squares of each input channel of every projection (Wanda's {@code ||x_j||}, and per-head and
 * per-neuron activation energy), and between every pair of residual-stream positions the summed
 * cosine similarity (ShortGPT's block influence) and angle (Gromov et al.'s angular distance).
 * Residual position {@code l} is the stream entering layer {@code l}; position {@code layers}
 * is the stream after the last layer.
 */
public final class ActivationStats {

    final int layers;
    final int headSize;
    long tokens;
    /** Per layer, per channel: sum of squares of the q/k/v input. */
    final double[][] attentionInput;
    /** Per layer, per channel: sum of squares of the heads' outputs (wo's input). */
    final double[][] attentionOutput;
    /** Per layer, per channel: sum of squares of the gate/up input. */
    final double[][] ffnInput;
    /** Per layer, per neuron: sum of squares of the SwiGLU activation (w2's input). */
    final double[][] ffnActivation;
    /** {@code [from][to]}: summed cosine between residual positions, {@code from < to}. */
    final double[][] cosine;
    /** {@code [from][to]}: summed angle / pi between residual positions. */
    final double[][] angle;

    /** Empty statistics for a model of shape {@code c}, each layer with its own widths. */
    ActivationStats(ModelConfig c) {
        this.layers = c.layers();
        this.headSize = c.headSize();
        attentionInput = new double[layers][c.dim()];
        attentionOutput = new double[layers][];
        ffnInput = new double[layers][c.dim()];
        ffnActivation = new double[layers][];
        for (int l = 0; l < layers; l++) {
            attentionOutput[l] = new double[c.qDim(l)];
            ffnActivation[l] = new double[c.layer(l).hiddenDim()];
        }
        cosine = new double[layers + 1][layers + 1];
        angle = new double[layers + 1][layers + 1];
    }

    public long tokens() {
        return tokens;
    }

    /** ShortGPT's block influence of layer {@code l}: 1 - mean cos(input, output). */
    public double blockInfluence(int l) {
        return 1 - cosine[l][l + 1] / tokens;
    }

    /**
     * Gromov et al.'s angular distance between the stream entering layer {@code from} and the
     * one {@code n} layers later, in [0, 1]: small means the block of n layers changes little.
     */
    public double angularDistance(int from, int n) {
        return angle[from][from + n] / tokens;
    }

    /** Root mean square activation of each of head's outputs in layer {@code l}. */
    public double[] headImportance(int l) {
        double[] importance = new double[attentionOutput[l].length / headSize];
        for (int c = 0; c < attentionOutput[l].length; c++) {
            importance[c / headSize] += attentionOutput[l][c];
        }
        for (int h = 0; h < importance.length; h++) {
            importance[h] = Math.sqrt(importance[h] / tokens);
        }
        return importance;
    }

    /** {@code ||x_j||} over the calibration tokens, for the input channels of {@code m}. */
    public float[] inputNorms(Projection m, int l) {
        double[] squares = switch (m) {
            case WQ, WK, WV -> attentionInput[l];
            case WO -> attentionOutput[l];
            case W1, W3 -> ffnInput[l];
            case W2 -> ffnActivation[l];
        };
        float[] norms = new float[squares.length];
        for (int j = 0; j < norms.length; j++) {
            norms[j] = (float) Math.sqrt(squares[j]);
        }
        return norms;
    }

    /** The scores that pick layers and heads, for the pruning report. */
    JsonObject summary() {
        JsonObject json = new JsonObject();
        json.addProperty("calibration_tokens", tokens);
        JsonArray influence = new JsonArray();
        JsonArray nextAngle = new JsonArray();
        JsonArray headScores = new JsonArray();
        for (int l = 0; l < layers; l++) {
            influence.add(round(blockInfluence(l)));
            nextAngle.add(round(angularDistance(l, 1)));
            JsonArray perHead = new JsonArray();
            for (double h : headImportance(l)) {
                perHead.add(round(h));
            }
            headScores.add(perHead);
        }
        json.add("block_influence", influence);
        json.add("angular_distance_1_layer", nextAngle);
        json.add("head_importance", headScores);
        return json;
    }

    private static double round(double x) {
        return Math.round(x * 1e6) / 1e6;
    }
}
