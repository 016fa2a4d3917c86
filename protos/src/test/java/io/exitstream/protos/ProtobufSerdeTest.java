package io.exitstream.protos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exitstream.protos.v1.TokenEvent;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class ProtobufSerdeTest {

    private final ProtobufSerde<TokenEvent> serde = ProtobufSerde.tokenEvents();

    @Test
    void aMessageRoundTrips() {
        TokenEvent event = TokenEvent.newBuilder().setModelId("m").setRequestId("r")
                .setPlanVersion(2).setExitLayer(3).addBlockInfluence(0.25f).build();
        byte[] bytes = serde.serializer().serialize(Topics.TELEMETRY, event);
        assertThat(serde.deserializer().deserialize(Topics.TELEMETRY, bytes)).isEqualTo(event);
    }

    @Test
    void bytesThatAreNotAMessageFailAsKafkaSerializationErrors() {
        byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> serde.deserializer().deserialize(Topics.TELEMETRY, garbage))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(Topics.TELEMETRY);
    }
}
