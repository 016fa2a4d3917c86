package io.exitstream.engine.runtime;

import io.exitstream.engine.model.ModelConfig;
import java.util.Arrays;

/**
 * What one decode step under a plan gives each row: the logits the row's token is chosen from
 * and how they were made (exit layer, layers run, confidence, sampled block influence).
 */
final class DecodedRows {

    /** Each row's logits from its exit, row r's from {@link #offset(int) offset(r)}. */
    final float[] logits;
    private final int stride;
    private final int[] exitLayers;
    private final int[] layersExecuted;
    private final float[] confidences;
    /** Per row the block influence of every model layer (NaN where it did not run), or null. */
    private final float[][] influences;

    private DecodedRows(float[] logits, int stride, int[] exitLayers, int[] layersExecuted,
            float[] confidences, float[][] influences) {
        this.logits = logits;
        this.stride = stride;
        this.exitLayers = exitLayers;
        this.layersExecuted = layersExecuted;
        this.confidences = confidences;
        this.influences = influences;
    }

    /** Rows that ran every kept layer of {@code schedule} with no exit test. */
    static DecodedRows full(float[] logits, int rows, int vocab, LayerSchedule schedule) {
        int[] exits = new int[rows];
        int[] executed = new int[rows];
        float[] confidences = new float[rows];
        Arrays.fill(exits, schedule.lastKept);
        Arrays.fill(executed, schedule.kept.length);
        Arrays.fill(confidences, Float.NaN);
        return new DecodedRows(logits, vocab, exits, executed, confidences, null);
    }

    /**
     * Unpacks the exit program's output, {@code [rows, vocab + 3 + layers]}: logits, exit
     * layer, layers run, confidence, and with {@code influence} each layer's influence.
     */
    static DecodedRows unpack(float[] out, int rows, ModelConfig config, boolean influence) {
        int vocab = config.vocabSize();
        int stride = vocab + 3 + config.layers();
        int[] exits = new int[rows];
        int[] executed = new int[rows];
        float[] confidences = new float[rows];
        float[][] influences = influence ? new float[rows][] : null;
        for (int r = 0; r < rows; r++) {
            int at = r * stride;
            exits[r] = (int) out[at + vocab];
            executed[r] = (int) out[at + vocab + 1];
            confidences[r] = out[at + vocab + 2];
            if (influence) {
                influences[r] = Arrays.copyOfRange(out, at + vocab + 3, at + stride);
            }
        }
        return new DecodedRows(out, stride, exits, executed, confidences, influences);
    }

    /** Where row {@code row}'s logits start in {@link #logits}. */
    int offset(int row) {
        return row * stride;
    }

    int exitLayer(int row) {
        return exitLayers[row];
    }

    int layersExecuted(int row) {
        return layersExecuted[row];
    }

    float confidence(int row) {
        return confidences[row];
    }

    /** The row's block influence by model layer (NaN where a layer did not run), or null. */
    float[] influence(int row) {
        return influences == null ? null : influences[row].clone();
    }

    /**
     * The report of the token chosen for {@code row}, with the row's block influence when it
     * was {@code sampled} for it.
     */
    TokenReport report(int row, int token, LayerSchedule schedule, boolean sampled) {
        return new TokenReport(token, schedule.plan.version(), exitLayers[row],
                layersExecuted[row], confidences[row], 0, 0, sampled ? influence(row) : null);
    }
}
