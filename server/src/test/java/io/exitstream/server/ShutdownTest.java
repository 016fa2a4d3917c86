package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Closing the server drains it: refuse new work, finish or cut short what runs. */
class ShutdownTest {

    // EOS ignored, so that a request always outlives a short grace period, however fast the
    // machine.
    private static final String LONG = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 240,"
            + " \"temperature\": 0, \"ignore_eos\": true";
    private static final String STREAM = LONG
            + ", \"stream\": true, \"stream_options\": {\"include_usage\": true}}";

    @Test
    void runningRequestsFinishWithinTheGracePeriodWhileNewOnesAreRefused() throws Exception {
        TestServer server = TestServer.start(options -> options
                .withBatching(4, 8, Duration.ofSeconds(30))
                .withShutdownGrace(Duration.ofSeconds(60)));
        Iterator<String> stream = openStream(server);
        CompletableFuture<HttpResponse<String>> json = postAsync(server, LONG + "}");
        awaitRunning(server, 2);

        CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> close(server));

        awaitStatus(server, "/health/ready", 503);
        HttpResponse<String> refused = server.post("/v1/completions", LONG + "}");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("message"))
                .contains("shutting down");

        Completion streamed = Completion.ofStream(rest(stream));
        assertThat(streamed.finishReason()).isIn("length", "stop");
        HttpResponse<String> whole = json.get(60, TimeUnit.SECONDS);
        assertThat(whole.statusCode()).isEqualTo(200);
        Completion completed = Completion.ofJson(whole.body());
        assertThat(completed.text()).isEqualTo(streamed.text());
        closed.get(60, TimeUnit.SECONDS);
    }

    @Test
    void pastTheDeadlineStreamsEndWithAbortAndJsonRequestsGet503() throws Exception {
        TestServer server = TestServer.start(options -> options
                .withBatching(4, 8, Duration.ofSeconds(30))
                .withShutdownGrace(Duration.ofMillis(20)));
        Iterator<String> stream = openStream(server);
        CompletableFuture<HttpResponse<String>> json = postAsync(server, LONG + "}");
        awaitRunning(server, 2);

        server.close();

        Completion streamed = Completion.ofStream(rest(stream));
        assertThat(streamed.finishReason()).isEqualTo("abort");
        assertThat(streamed.completionTokens()).isBetween(1, 479);
        HttpResponse<String> cut = json.get(10, TimeUnit.SECONDS);
        assertThat(cut.statusCode()).isEqualTo(503);
        assertThat(new JsonObject(cut.body()).getJsonObject("error").getString("message"))
                .contains("shut down before the request finished");
    }

    /** Starts a streaming request and returns its lines once the first event has come. */
    private static Iterator<String> openStream(TestServer server) throws Exception {
        HttpRequest request = server.request("/v1/completions")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(STREAM)).build();
        HttpResponse<Stream<String>> response = server.client()
                .send(request, HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body().iterator();
    }

    /** The rest of an event stream, as the body it would have been read whole. */
    private static String rest(Iterator<String> lines) {
        StringBuilder body = new StringBuilder();
        lines.forEachRemaining(line -> body.append(line).append('\n'));
        return body.toString();
    }

    private static CompletableFuture<HttpResponse<String>> postAsync(TestServer server,
            String json) {
        return server.client().sendAsync(server.request("/v1/completions")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitRunning(TestServer server, int running) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.metric("exitstream_requests_running") < running) {
            assertThat(System.nanoTime()).as("requests running").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    private static void awaitStatus(TestServer server, String path, int status)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.get(path).statusCode() != status) {
            assertThat(System.nanoTime()).as(path + " answering " + status)
                    .isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    private static void close(TestServer server) {
        try {
            server.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
