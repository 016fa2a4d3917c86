package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.SharedFixtures;
import io.exitstream.protos.ProtobufSerde;
import io.exitstream.protos.Topics;
import io.exitstream.protos.v1.TokenEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `exitstream up` as a user runs it: its own process, stopped with SIGTERM. */
class UpCommandTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void upServesACompletionAndItsTelemetryReachesTheBroker(@TempDir Path tmp)
            throws Exception {
        Path model = SharedFixtures.stories260K();
        int port = freePort();
        int kafkaPort = freePort();
        Process up = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx1g", "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"), Exitstream.class.getName(),
                "up", "--model", model.toString(), "--port", String.valueOf(port),
                "--kafka-port", String.valueOf(kafkaPort), "--threads", "1")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("up.log").toFile())
                .start();
        try {
            awaitReady(up, port, tmp.resolve("up.log"));
            HttpResponse<String> reply = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/v1/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Once upon a"
                            + " time\", \"max_tokens\": 5, \"temperature\": 0}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);

            List<TokenEvent> events = telemetry("127.0.0.1:" + kafkaPort, 5);
            assertThat(events).hasSize(5).allSatisfy(event ->
                    assertThat(event.getModelId()).isEqualTo("stories260K"));
            assertThat(reply.body()).contains(events.get(0).getRequestId());
        } finally {
            up.destroy();
            assertThat(up.waitFor(60, TimeUnit.SECONDS)).as("up stops on SIGTERM").isTrue();
        }
    }

    private void awaitReady(Process up, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(up.isAlive()).as("up exited early; see %s", log).isTrue();
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // Not listening yet.
            }
            Thread.sleep(200);
        }
        throw new AssertionError("up did not get ready in 120 s; see " + log);
    }

    /** The first {@code count} token events on the telemetry topic. */
    private static List<TokenEvent> telemetry(String bootstrap, int count) {
        List<TokenEvent> events = new ArrayList<>();
        try (KafkaConsumer<String, TokenEvent> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringDeserializer(), ProtobufSerde.tokenEvents().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.TELEMETRY).stream()
                    .map(p -> new TopicPartition(Topics.TELEMETRY, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (events.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, TokenEvent> r : consumer.poll(Duration.ofMillis(200))) {
                    events.add(r.value());
                }
            }
        }
        return events;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
