package io.exitstream.compression.reschedule;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The window aggregate in the state store and its changelog, as JSON: readable with a console
 * consumer, and it never crosses to another service, so it needs no wire contract in protos.
 * Doubles are written in full ({@link Double#toString}), so a restored aggregate equals the
 * one that was stored.
 */
public final class WindowStatsSerde implements Serde<WindowStats> {

    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues()
            .create();

    @Override
    public Serializer<WindowStats> serializer() {
        return (topic, stats) -> stats == null ? null
                : GSON.toJson(stats).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Deserializer<WindowStats> deserializer() {
        return (topic, bytes) -> bytes == null ? null
                : GSON.fromJson(new String(bytes, StandardCharsets.UTF_8), WindowStats.class);
    }
}
