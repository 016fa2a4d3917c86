package io.exitstream.protos;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.exitstream.protos.v1.ScheduleDecision;
import io.exitstream.protos.v1.SkipSchedule;
import io.exitstream.protos.v1.TokenEvent;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for one protobuf message type: the message's binary encoding, nothing around it.
 * A record that does not parse fails with Kafka's {@link SerializationException}.
 *
 * @param <T> the message type
 */
public final class ProtobufSerde<T extends MessageLite> implements Serde<T> {

    private final Parser<T> parser;

    public ProtobufSerde(Parser<T> parser) {
        this.parser = parser;
    }

    public static ProtobufSerde<TokenEvent> tokenEvents() {
        return new ProtobufSerde<>(TokenEvent.parser());
    }

    public static ProtobufSerde<SkipSchedule> schedules() {
        return new ProtobufSerde<>(SkipSchedule.parser());
    }

    public static ProtobufSerde<ScheduleDecision> decisions() {
        return new ProtobufSerde<>(ScheduleDecision.parser());
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, message) -> message == null ? null : message.toByteArray();
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return parser.parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                throw new SerializationException("a record on " + topic + " is not a valid "
                        + "protobuf message: " + e.getMessage(), e);
            }
        };
    }
}
