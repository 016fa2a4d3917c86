package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import io.exitstream.protos.ProtobufSerde;
import io.exitstream.protos.SchedulePlans;
import io.exitstream.protos.Topics;
import io.exitstream.protos.v1.ScheduleDecision;
import io.exitstream.protos.v1.SkipSchedule;
import io.exitstream.protos.v1.TokenEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `exitstream up` as a user runs it: its own process, stopped with SIGTERM. */
class UpCommandTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void upServesTheShippedModelTelemetryReachesTheBrokerAndTheReschedulerDecides(@TempDir Path tmp)
            throws Exception {
        // up's own temporary files (broker logs, re-scheduler state, RocksDB's library) go here,
        // so that what it leaves behind can be seen.
        Path javaTmp = Files.createDirectory(tmp.resolve("java-tmp"));
        // No --model: up serves the model the repository ships, found through exitstream.home
        // as the launcher sets it (tests run in cli/, the checkout is its parent).
        Path home = Path.of("..").toAbsolutePath().normalize();
        String modelId = DefaultModel.NAME;
        int port = freePort();
        int kafkaPort = freePort();
        Process up = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx1g", "-Dai.djl.offline=true", "-Dexitstream.home=" + home,
                "-Djava.io.tmpdir=" + javaTmp,
                "-cp", System.getProperty("java.class.path"), Exitstream.class.getName(),
                "up", "--port", String.valueOf(port),
                "--kafka-port", String.valueOf(kafkaPort), "--threads", "1",
                // The re-scheduler's flags, as reschedule takes them: short windows.
                "--window", "2s", "--grace", "0s", "--calibration-sequences", "2")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("up.log").toFile())
                .start();
        try {
            awaitReady(up, port, tmp.resolve("up.log"));
            HttpResponse<String> reply = complete(port);
            assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);

            String bootstrap = "127.0.0.1:" + kafkaPort;
            List<TokenEvent> events = TopicReader.read(bootstrap, Topics.TELEMETRY,
                    ProtobufSerde.tokenEvents().deserializer(), read -> read.size() == 5,
                    Duration.ofSeconds(30));
            assertThat(events).hasSize(5).allSatisfy(event ->
                    assertThat(event.getModelId()).isEqualTo(modelId));
            assertThat(reply.body()).contains(events.get(0).getRequestId());

            // Traffic past the first 2 s window closes it: up's re-scheduler decides on it.
            List<ScheduleDecision> decisions = List.of();
            long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            while (decisions.isEmpty() && System.nanoTime() < deadline) {
                assertThat(complete(port).statusCode()).isEqualTo(200);
                decisions = TopicReader.read(bootstrap, Topics.DECISIONS,
                        ProtobufSerde.decisions().deserializer(), read -> true,
                        Duration.ofSeconds(1));
            }
            assertThat(decisions).as("a decision on %s", Topics.DECISIONS).isNotEmpty()
                    .allSatisfy(d -> assertThat(d.getModelId()).isEqualTo(modelId));
            // Each decision is one log line, and counted on the server's own /metrics.
            assertThat(Files.readString(tmp.resolve("up.log"))).as("up's log").containsPattern(
                    "INFO reschedule: (accepted|rejected) .* for model " + modelId);
            String metrics = get(port, "/metrics");
            assertThat(metrics).contains("# HELP exitstream_schedule_decisions_total")
                    .containsPattern("exitstream_schedule_decisions_total\\{model=\""
                            + modelId + "\",outcome=\"(accepted|rejected)\",?} [1-9]");

            // A schedule the server applies is one log line too.
            try (KafkaProducer<String, SkipSchedule> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(),
                    ProtobufSerde.schedules().serializer())) {
                producer.send(new ProducerRecord<>(Topics.SCHEDULES, modelId,
                        SchedulePlans.toSchedule(modelId, new ExecutionPlan(1000, List.of(2),
                                new ExitPolicy.None())))).get(30, TimeUnit.SECONDS);
            }
            awaitLog(tmp.resolve("up.log"), "INFO schedules: model " + modelId
                    + " now runs plan 1000 (skips [2], no early exit)");
            assertThat(javaTmp).as("up's temporary files while it runs")
                    .isDirectoryContaining(p -> p.getFileName().toString()
                            .startsWith("exitstream-up-streams"));
        } finally {
            up.destroy();
            assertThat(up.waitFor(60, TimeUnit.SECONDS)).as("up stops on SIGTERM").isTrue();
        }
        assertThat(javaTmp).as("what up left in its temporary directory").isEmptyDirectory();
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

    private static void awaitLog(Path log, String line) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.readString(log).contains(line)) {
            assertThat(System.nanoTime()).as("'%s' in %s", line, log).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private String get(int port, String path) throws Exception {
        HttpResponse<String> reply = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(reply.statusCode()).isEqualTo(200);
        return reply.body();
    }

    private HttpResponse<String> complete(int port) throws Exception {
        return http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v1/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Once upon a"
                        + " time\", \"max_tokens\": 5, \"temperature\": 0}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
