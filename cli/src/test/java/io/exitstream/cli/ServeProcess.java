package io.exitstream.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code exitstream serve} of the shipped model in a process of its own, as an operator runs
 * a replica: it can be SIGKILLed and started again on the same port.
 */
final class ServeProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final int port;
    private final Path log;
    private Process process;

    private ServeProcess(int port, Path log) {
        this.port = port;
        this.log = log;
    }

    /** A replica on a free loopback port, logging to {@code log}; not yet ready. */
    static ServeProcess start(Path log) throws IOException {
        int free;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = socket.getLocalPort();
        }
        ServeProcess replica = new ServeProcess(free, log);
        replica.restart();
        return replica;
    }

    int port() {
        return port;
    }

    /** Starts (again) on the same port; the log is appended to. */
    void restart() throws IOException {
        // Tests run in cli/, the checkout is its parent: serve finds the shipped model there.
        Path home = Path.of("..").toAbsolutePath().normalize();
        process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx512m", "-Dai.djl.offline=true", "-Dexitstream.home=" + home,
                "-cp", System.getProperty("java.class.path"), Exitstream.class.getName(),
                "serve", "--port", String.valueOf(port), "--threads", "1")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** Waits until {@code /health/ready} says 200, or fails naming the log. */
    void awaitReady(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        HttpRequest ready = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("serve on port " + port + " exited; see " + log);
            }
            try {
                if (HTTP.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError("serve on port " + port + " not ready in " + limit + "; see "
                + log);
    }

    /** SIGKILL: no shutdown hook runs, connections are reset by the kernel. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            kill();
        }
    }
}
