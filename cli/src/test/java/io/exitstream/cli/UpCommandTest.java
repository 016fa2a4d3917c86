package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.protos.ProtobufSerde;
import io.exitstream.protos.Topics;
import io.exitstream.protos.v1.ScheduleDecision;
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
import java.util.concurrent.TimeUnit;
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
        int rescheduleMetricsPort = freePort();
        Process up = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx1g", "-Dai.djl.offline=true", "-Dexitstream.home=" + home,
                "-Djava.io.tmpdir=" + javaTmp,
                "-cp", System.getProperty("java.class.path"), Exitstream.class.getName(),
                "up", "--port", String.valueOf(port),
                "--kafka-port", String.valueOf(kafkaPort), "--threads", "1",
                "--reschedule-metrics-port", String.valueOf(rescheduleMetricsPort),
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
            // And counted where Prometheus scrapes the re-scheduler.
            assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                            + rescheduleMetricsPort + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body())
                    .contains("exitstream_schedule_decisions_total{model=\"" + modelId + "\"");
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
