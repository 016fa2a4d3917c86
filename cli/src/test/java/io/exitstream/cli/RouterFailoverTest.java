package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.router.ExitstreamRouter;
import io.exitstream.router.ReplicaAddress;
import io.exitstream.router.RouterConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real replica SIGKILLed under 16 concurrent clients: no request fails, the replica is
 * ejected, and it gets requests again once restarted.
 */
class RouterFailoverTest {

    private static final int CLIENTS = 16;

    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aKilledReplicaCostsNoRequestAndIsReadmittedWhenRestarted(@TempDir Path tmp)
            throws Exception {
        try (ServeProcess victim = ServeProcess.start(tmp.resolve("victim.log"));
                ServeProcess survivor = ServeProcess.start(tmp.resolve("survivor.log"))) {
            victim.awaitReady(Duration.ofSeconds(120));
            survivor.awaitReady(Duration.ofSeconds(120));
            List<ReplicaAddress> replicas = List.of(
                    new ReplicaAddress("127.0.0.1", victim.port()),
                    new ReplicaAddress("127.0.0.1", survivor.port()));
            RouterConfig config = RouterConfig.ofReplicas("127.0.0.1", 0,
                    DefaultModel.NAME, replicas);
            try (ExitstreamRouter router = ExitstreamRouter.start(config, () -> config)) {
                AtomicInteger answered = new AtomicInteger();
                List<String> failures = java.util.Collections.synchronizedList(
                        new ArrayList<>());
                long stopAt = System.nanoTime() + Duration.ofSeconds(6).toNanos();
                ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
                List<Future<?>> running = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    running.add(clients.submit(() -> {
                        while (System.nanoTime() < stopAt) {
                            HttpResponse<String> reply = complete(router.port());
                            if (reply.statusCode() == 200) {
                                answered.incrementAndGet();
                            } else {
                                failures.add(reply.statusCode() + " " + reply.body());
                            }
                        }
                        return null;
                    }));
                }
                Thread.sleep(2000);
                victim.kill();
                for (Future<?> client : running) {
                    client.get(120, TimeUnit.SECONDS);
                }
                clients.shutdown();
                assertThat(failures).as("failed requests").isEmpty();
                assertThat(answered.get()).isGreaterThanOrEqualTo(CLIENTS);
                // Requests were under way on the victim when it died: retried, not failed.
                String pool = "\\{pool=\"" + DefaultModel.NAME + "\"";
                assertThat(get(router.port(), "/metrics"))
                        .containsPattern("exitstream_router_ejections_total" + pool + "} [1-9]")
                        .containsPattern("exitstream_router_retries_total" + pool
                                + ",reason=\"(reset|connect)\"} [1-9]");

                victim.restart();
                victim.awaitReady(Duration.ofSeconds(120));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!generatedAny(victim.port())) {
                    assertThat(System.nanoTime()).as("the restarted replica gets requests")
                            .isLessThan(deadline);
                    assertThat(complete(router.port()).statusCode()).isEqualTo(200);
                }
            }
        }
    }

    /** Whether the replica's own metrics count any generated token since it started. */
    private boolean generatedAny(int port) {
        return get(port, "/metrics").lines()
                .filter(line -> line.startsWith("exitstream_tokens_generated_total"))
                .anyMatch(line -> !line.endsWith(" 0.0"));
    }

    private HttpResponse<String> complete(int port) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/v1/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Once upon a time\","
                        + " \"max_tokens\": 8}")));
    }

    private String get(int port, String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)))
                .body();
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.sendAsync(request.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString()).get(90, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
