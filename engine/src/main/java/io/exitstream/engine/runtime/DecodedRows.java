package io.exitstream.engine.runtime;

import java.util.Arrays;

/**
 * What one decode step under a plan gives each row: the logits the row's token is chosen from
 * and how they were made (exit layer, layers run, confidence, sampled block influence).
 */
final class DecodedRows {

    /** {@code [rows * vocab]}: each row's logits from its exit. */
    final float[] logits;
    private final int[] exitLayers;
    private final int[] layersExecuted;
    private final float[] confidences;
    /** Per row the block influence of every model layer (NaN where it did not run), or null. */
    private final float[][] influences;

    DecodedRows(float[] logits, int[] exitLayers, int[] layersExecuted, float[] confidences,
            float[][] influences) {
        this.logits = logits;
        this.exitLayers = exitLayers;
        this.layersExecuted = layersExecuted;
        this.confidences = confidences;
        this.influences = influences;
    }

    /** Rows that ran every kept layer of {@code schedule} with no exit test. */
    static DecodedRows full(float[] logits, int rows, LayerSchedule schedule) {
        int[] exits = new int[rows];
        int[] executed = new int[rows];
        float[] confidences = new float[rows];
        Arrays.fill(exits, schedule.lastKept);
        Arrays.fill(executed, schedule.kept.length);
        Arrays.fill(confidences, Float.NaN);
        return new DecodedRows(logits, exits, executed, confidences, null);
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

    /** The report of the token chosen for {@code row}. */
    TokenReport report(int row, int token, LayerSchedule schedule) {
        return new TokenReport(token, schedule.plan.version(), exitLayers[row],
                layersExecuted[row], confidences[row], 0, 0, influence(row));
    }
}
