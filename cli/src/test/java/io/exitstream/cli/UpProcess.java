package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.TimeUnit;

/**
 * {@code exitstream up} as a user runs it: its own process on free loopback ports (server and
 * broker), the shipped model, short re-scheduler windows; stopped with SIGTERM.
 */
final class UpProcess {

    final int port;
    final int kafkaPort;
    private final Process process;
    private final Path log;
    private final HttpClient http = HttpClient.newHttpClient();

    private UpProcess(int port, int kafkaPort, Process process, Path log) {
        this.port = port;
        this.kafkaPort = kafkaPort;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts up with its log in {@code dir}, Java's temporary files in {@code javaTmp}, and
     * {@code flags} after its own; waits (at most 120 s) until the server is ready.
     */
    static UpProcess start(Path dir, Path javaTmp, String... flags) throws Exception {
        // No --model: up serves the model the repository ships, found through exitstream.home
        // as the launcher sets it.
        Path home = checkout();
        int port = freePort();
        int kafkaPort = freePort();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-Dai.djl.offline=true", "-Dexitstream.home=" + home,
                "-Djava.io.tmpdir=" + javaTmp,
                "-cp", System.getProperty("java.class.path"), Exitstream.class.getName(),
                "up", "--port", String.valueOf(port),
                "--kafka-port", String.valueOf(kafkaPort), "--threads", "1",
                // The re-scheduler's flags, as reschedule takes them: short windows.
                "--window", "2s", "--grace", "0s", "--calibration-sequences", "2"));
        command.addAll(List.of(flags));
        Path log = dir.resolve("up.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        UpProcess up = new UpProcess(port, kafkaPort, process, log);
        try {
            up.awaitReady();
        } catch (Exception | AssertionError e) {
            up.stop();
            throw e;
        }
        return up;
    }

    /** The checkout's root: tests run in cli/, its child. */
    static Path checkout() {
        return Path.of("..").toAbsolutePath().normalize();
    }

    String bootstrap() {
        return "127.0.0.1:" + kafkaPort;
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(process.isAlive()).as("up exited early; see %s", log).isTrue();
            try {
                if (get(port, "/health/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // Not listening yet.
            }
            Thread.sleep(200);
        }
        throw new AssertionError("up did not get ready in 120 s; see " + log);
    }

    /** A greedy completion of {@code maxTokens} tokens. */
    HttpResponse<String> complete(int maxTokens) throws Exception {
        return http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v1/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Once upon a"
                        + " time\", \"max_tokens\": " + maxTokens + ", \"temperature\": 0}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(int toPort, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + toPort + path))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** SIGTERM; whether up stopped within 60 s. */
    boolean stop() throws InterruptedException {
        process.destroy();
        return process.waitFor(60, TimeUnit.SECONDS);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
