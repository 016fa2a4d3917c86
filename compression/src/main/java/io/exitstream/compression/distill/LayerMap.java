package io.exitstream.compression.distill;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.stream.IntStream;

/** Which teacher layer's output each student layer should imitate (for the hidden-state L2). */
public final class LayerMap {

    private LayerMap() {
    }

    /**
     * The kept layers a pruning report records ({@code kept_layers}), or one to one when the
     * depths are equal.
     *
     * @param pruningReport the student's {@code pruning.json}, or null
     * @throws IllegalArgumentException when layers must match but nothing says how
     */
    public static int[] of(JsonObject pruningReport, int teacherLayers, int studentLayers,
            boolean needed) {
        if (pruningReport != null && pruningReport.has("kept_layers")) {
            JsonArray kept = pruningReport.getAsJsonArray("kept_layers");
            return IntStream.range(0, kept.size()).map(i -> kept.get(i).getAsInt()).toArray();
        }
        if (studentLayers != teacherLayers && needed) {
            throw new IllegalArgumentException("--hidden-l2 needs to know which teacher layer"
                    + " each of the student's " + studentLayers + " layers matches, and the"
                    + " student has no pruning report with kept_layers");
        }
        return IntStream.range(0, studentLayers).map(i -> Math.min(i, teacherLayers - 1))
                .toArray();
    }
}
