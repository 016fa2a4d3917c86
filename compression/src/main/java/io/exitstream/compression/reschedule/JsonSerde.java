package io.exitstream.compression.reschedule;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A state store value and its changelog as JSON: readable with a console consumer, and it
 * never crosses to another service, so it needs no wire contract in protos. Doubles are
 * written in full ({@link Double#toString}, NaN included), so a restored value equals the one
 * that was stored.
 *
 * @param <T> the stored type, a plain class Gson can fill
 */
public class JsonSerde<T> implements Serde<T> {

    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues()
            .create();

    private final Class<T> type;

    JsonSerde(Class<T> type) {
        this.type = type;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null
                : GSON.toJson(value).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> bytes == null ? null
                : GSON.fromJson(new String(bytes, StandardCharsets.UTF_8), type);
    }
}
