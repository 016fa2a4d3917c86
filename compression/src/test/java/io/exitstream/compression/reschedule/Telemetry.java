package io.exitstream.compression.reschedule;

import com.google.protobuf.Timestamp;
import io.exitstream.protos.v1.TokenEvent;
import java.util.ArrayList;
import java.util.List;

/** Synthetic token telemetry of a 5-layer model (the shape of stories260K). */
final class Telemetry {

    static final String MODEL = "stories260K";
    static final int LAYERS = 5;
    /** Per-layer influence where layer 2 matters least, then layer 3. */
    static final float[] INFLUENCE = {0.9f, 0.30f, 0.05f, 0.10f, 0.8f};

    private Telemetry() {
    }

    /**
     * A plain full-model token at {@code millis}: 5 layers in {@code stepMillis} at batch 1,
     * sampled for influence if {@code influence} is not empty.
     */
    static TokenEvent token(long millis, long planVersion, int layers, double stepMillis,
            float... influence) {
        TokenEvent.Builder event = TokenEvent.newBuilder()
                .setModelId(MODEL)
                .setRequestId("cmpl-1")
                .setPlanVersion(planVersion)
                .setExitLayer(layers - 1)
                .setLayersExecuted(layers)
                .setConfidence(Float.NaN)
                .setStepLatencyNanos(Math.round(stepMillis * 1e6))
                .setBatchSize(1)
                .setTime(Timestamp.newBuilder().setSeconds(millis / 1000)
                        .setNanos((int) (millis % 1000) * 1_000_000));
        for (float f : influence) {
            event.addBlockInfluence(f);
        }
        return event.build();
    }

    /**
     * {@code count} full-model tokens spread over {@code [fromMillis, fromMillis + 1000 * count /
     * 10)}, every other one sampled for {@link #INFLUENCE}; a token costs 1 ms plus 1 ms per
     * layer.
     */
    static List<TokenEvent> fullModelTraffic(long fromMillis, int count) {
        List<TokenEvent> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(i % 2 == 0
                    ? token(fromMillis + 100L * i, 0, LAYERS, 1 + LAYERS, INFLUENCE)
                    : token(fromMillis + 100L * i, 0, LAYERS, 1 + LAYERS));
        }
        return events;
    }
}
