package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A request that cannot get a slot in time is refused with 503 rather than left hanging. */
class QueueTimeoutTest {

    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(options -> options.withBatching(1, 4, Duration.ofMillis(50)));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void waitingPastTheTimeoutGets503() {
        CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(
                () -> server.post("/v1/completions", "{\"prompt\": \"Once upon a time\","
                        + " \"max_tokens\": 240, \"temperature\": 0}"));
        waitUntilRunning();

        HttpResponse<String> second = server.post("/v1/completions",
                "{\"prompt\": \"Once\", \"max_tokens\": 3}");

        assertThat(second.statusCode()).isEqualTo(503);
        assertThat(second.body()).contains("waited too long");
        assertThat(first.join().statusCode()).isEqualTo(200);
    }

    private static void waitUntilRunning() {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!server.get("/metrics").body()
                .contains("exitstream_requests_running{model=\"" + TestServer.MODEL + "\"} 1")) {
            assertThat(System.nanoTime()).as("the first request never ran").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
