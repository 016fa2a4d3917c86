package io.exitstream.server;

import io.exitstream.protos.ProtobufSerde;
import io.exitstream.protos.Topics;
import io.exitstream.protos.v1.TokenEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads the telemetry topic from its beginning and sorts the token events by request. */
final class TelemetryReader implements AutoCloseable {

    private final KafkaConsumer<String, TokenEvent> consumer;
    private final Map<String, List<TokenEvent>> byRequest = new HashMap<>();
    private final Map<String, String> keys = new HashMap<>();

    TelemetryReader(String bootstrapServers) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
                new StringDeserializer(), ProtobufSerde.tokenEvents().deserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.TELEMETRY).stream()
                .map(p -> new TopicPartition(Topics.TELEMETRY, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /**
     * The request's events in position order once {@code count} have arrived.
     *
     * @throws AssertionError when they do not arrive within {@code timeout}
     */
    List<TokenEvent> await(String requestId, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (byRequest.getOrDefault(requestId, List.of()).size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("request " + requestId + ": "
                        + byRequest.getOrDefault(requestId, List.of()).size() + " of " + count
                        + " token events arrived in " + timeout.toSeconds() + " s");
            }
            for (ConsumerRecord<String, TokenEvent> record : consumer.poll(
                    Duration.ofMillis(200))) {
                TokenEvent event = record.value();
                byRequest.computeIfAbsent(event.getRequestId(), id -> new ArrayList<>())
                        .add(event);
                keys.put(event.getRequestId(), record.key());
            }
        }
        List<TokenEvent> events = new ArrayList<>(byRequest.get(requestId));
        events.sort(Comparator.comparingInt(TokenEvent::getPosition));
        return events;
    }

    /** The record key the request's events were sent with. */
    String key(String requestId) {
        return keys.get(requestId);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
