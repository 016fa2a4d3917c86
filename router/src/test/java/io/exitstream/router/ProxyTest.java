package io.exitstream.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The proxy against real upstream servers on loopback: balancing, retries, streaming. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyTest {

    private final RouterFixture fixture = new RouterFixture();

    @AfterEach
    void close() throws Exception {
        fixture.close();
    }

    private FakeReplica replica(String name, String model) {
        return fixture.replica(name, model);
    }

    private RouterClient router(String extra, String... pools) {
        return fixture.router(extra, pools);
    }

    @Test
    void sendsEachNewRequestToTheReplicaWithFewerOutstanding() {
        FakeReplica a = replica("a", "m");
        FakeReplica b = replica("b", "m");
        a.delayMs = 800;
        b.delayMs = 800;
        RouterClient router = router("", RouterFixture.pool("m", a, b));

        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> router.complete("m", false)));
        }
        calls.forEach(call -> assertThat(call.join().statusCode()).isEqualTo(200));
        // With two replicas both are compared every time: strictly least outstanding.
        assertThat(a.requests.get()).isEqualTo(5);
        assertThat(b.requests.get()).isEqualTo(5);
    }

    @Test
    void avoidsAReplicaWhoseOwnMetricsSayItIsBusy() {
        FakeReplica busy = replica("busy", "m");
        FakeReplica idle = replica("idle", "m");
        busy.running = 50;
        RouterClient router = router("", RouterFixture.pool("m", busy, idle));
        assertThat(RouterClient.eventually(Duration.ofSeconds(10),
                () -> router.replicas().contains("\"load\":50"))).isTrue();
        for (int i = 0; i < 10; i++) {
            assertThat(router.complete("m", false).body()).contains("\"replica\":\"idle\"");
        }
        assertThat(busy.requests.get()).isZero();
    }

    @Test
    void keepsManyRequestsInFlightToOneReplica() {
        FakeReplica slow = replica("slow", "m");
        slow.delayMs = 1000;
        RouterClient router = router("", RouterFixture.pool("m", slow));
        long start = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> router.complete("m", false),
                    java.util.concurrent.Executors.newSingleThreadExecutor()));
        }
        calls.forEach(call -> assertThat(call.join().statusCode()).isEqualTo(200));
        // In parallel: five connections at a time (Vert.x's default pool) would take 5 s.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(
                Duration.ofMillis(4000));
    }

    @Test
    void retriesAConnectFailureOnAnotherReplicaAndEjectsTheDeadOne() throws Exception {
        FakeReplica dead = replica("dead", "m");
        FakeReplica live = replica("live", "m");
        // Health checks too rare to notice: only failed requests find the dead replica out.
        RouterClient router = router("\"health\":{\"intervalMs\":600000}",
                RouterFixture.pool("m", dead, live));
        // The first check, at start, must have seen both up.
        assertThat(RouterClient.eventually(Duration.ofSeconds(10),
                () -> dead.healthChecks.get() > 0)).isTrue();
        Thread.sleep(200);
        dead.stop();
        for (int i = 0; i < 10; i++) {
            assertThat(router.complete("m", false).statusCode()).isEqualTo(200);
        }
        assertThat(live.requests.get()).isEqualTo(10);
        String metrics = router.get("/metrics").body();
        assertThat(metrics)
                .contains("exitstream_router_retries_total{pool=\"m\",reason=\"connect\"}")
                .containsPattern("exitstream_router_ejections_total\\{pool=\"m\"} [1-9]");
    }

    @Test
    void retriesA503OnAnotherReplica() {
        FakeReplica draining = replica("draining", "m");
        FakeReplica live = replica("live", "m");
        for (int i = 0; i < 20; i++) {
            draining.refusals.add(503);
        }
        RouterClient router = router("", RouterFixture.pool("m", draining, live));
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> answer = router.complete("m", false);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).contains("\"replica\":\"live\"");
        }
    }

    @Test
    void waitsOutRetryAfterWhenTheOnlyReplicaIsBusy() {
        FakeReplica busy = replica("busy", "m");
        busy.refusals.add(429);
        RouterClient router = router("", RouterFixture.pool("m", busy));
        long start = System.nanoTime();
        HttpResponse<String> answer = router.complete("m", false);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(
                Duration.ofMillis(900));
        assertThat(busy.requests.get()).isEqualTo(2);
    }

    @Test
    void givesUpAtTheDeadlineWithRetryAfter() {
        FakeReplica busy = replica("busy", "m");
        busy.retryAfter = "5";
        for (int i = 0; i < 5; i++) {
            busy.refusals.add(429);
        }
        RouterClient router = router("\"retry\":{\"deadlineMs\":500}",
                RouterFixture.pool("m", busy));
        HttpResponse<String> answer = router.complete("m", false);
        assertThat(answer.statusCode()).isEqualTo(429);
        assertThat(answer.headers().firstValue("Retry-After")).isPresent();
        assertThat(answer.body()).contains("no_replica_available");
    }

    @Test
    void passesServerSentEventsThroughByteForByte() {
        FakeReplica upstream = replica("a", "m");
        upstream.chunks = 20;
        RouterClient router = router("", RouterFixture.pool("m", upstream));
        HttpResponse<String> direct = new RouterClient(upstream.port()).complete("m", true);
        HttpResponse<String> routed = router.complete("m", true);
        assertThat(routed.statusCode()).isEqualTo(200);
        assertThat(routed.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        assertThat(routed.body()).isEqualTo(direct.body());
        assertThat(routed.body()).startsWith(FakeReplica.chunk(0)).endsWith("data: [DONE]\n\n");
    }

    @Test
    void endsAStreamThatLosesItsReplicaWithAnErrorEventAndDone() {
        FakeReplica dying = replica("dying", "m");
        dying.chunks = 10;
        dying.dieAfterChunks = 3;
        RouterClient router = router("", RouterFixture.pool("m", dying));
        HttpResponse<String> answer = router.complete("m", true);
        assertThat(answer.statusCode()).isEqualTo(200);
        String expectedStart = FakeReplica.chunk(0) + FakeReplica.chunk(1) + FakeReplica.chunk(2);
        assertThat(answer.body()).startsWith(expectedStart + "data: {\"error\":");
        assertThat(answer.body()).contains("\"code\":\"upstream_lost\"")
                .endsWith("\n\ndata: [DONE]\n\n");
    }

    @Test
    void aClientThatHangsUpCancelsItsUpstreamRequest() throws Exception {
        FakeReplica slow = replica("slow", "m");
        slow.chunks = 100;
        slow.chunkDelayMs = 100;
        RouterClient router = router("", RouterFixture.pool("m", slow));
        try (Socket socket = request(fixture.port(),
                "{\"model\":\"m\",\"prompt\":\"x\",\"stream\":true}")) {
            InputStream in = socket.getInputStream();
            String seen = "";
            byte[] buffer = new byte[4096];
            while (!seen.contains("token0")) {
                int n = in.read(buffer);
                assertThat(n).isPositive();
                seen += new String(buffer, 0, n, StandardCharsets.UTF_8);
            }
        }
        assertThat(RouterClient.eventually(Duration.ofSeconds(5),
                () -> slow.cancelled.get() == 1)).as("upstream cancelled").isTrue();
    }

    @Test
    void aClientThatDoesNotReadPausesItsUpstream() throws Exception {
        FakeReplica flood = replica("flood", "m");
        long total = 48L << 20;
        flood.floodBytes = total;
        router("", RouterFixture.pool("m", flood));
        try (Socket socket = request(fixture.port(), "{\"model\":\"m\",\"stream\":true}")) {
            // Only the sockets' buffers and one write queue may fill while the client sleeps;
            // without back-pressure the router would take all of it into memory.
            Thread.sleep(1500);
            assertThat(flood.flooded.get()).as("bytes sent to a client asleep")
                    .isLessThan(total / 2);
            long read = 0;
            byte[] buffer = new byte[1 << 16];
            InputStream in = socket.getInputStream();
            for (int n; (n = in.read(buffer)) > 0 && read < total; ) {
                read += n;
            }
            assertThat(read).isGreaterThanOrEqualTo(total);
            assertThat(flood.flooded.get()).isEqualTo(total);
        }
    }

    /** A raw HTTP/1.1 POST of {@code body} to /v1/completions; the caller reads the answer. */
    private static Socket request(int port, String body) throws java.io.IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    @Test
    void listsTheUnionOfModelsWithAliasesAndRewritesAnAlias() {
        FakeReplica a = replica("a", "small");
        FakeReplica b = replica("b", "large");
        RouterClient router = router("", RouterFixture.pool("small", a),
                RouterFixture.pool("large", "\"aliases\":[\"best\"]", b));
        String models = router.get("/v1/models").body();
        assertThat(models).contains("\"id\":\"small\"", "\"id\":\"large\"", "\"id\":\"best\"");

        assertThat(router.complete("best:fast", false).statusCode()).isEqualTo(200);
        assertThat(b.bodies.poll().getString("model")).isEqualTo("large:fast");
        HttpResponse<String> unnamed = router.post("/v1/completions", "{\"prompt\":\"x\"}");
        assertThat(unnamed.statusCode()).isEqualTo(400);
        assertThat(unnamed.body()).contains("invalid_model");
        HttpResponse<String> unknown = router.complete("nope", false);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("model_not_found");
    }

    @Test
    void aQualityClassPicksThePoolReservedForItAndPassesThrough() {
        FakeReplica general = replica("general", "m");
        FakeReplica fast = replica("fast", "m");
        RouterClient router = router("", RouterFixture.pool("m", general),
                RouterFixture.pool("m", "\"classes\":[\"fast\"]", fast));
        assertThat(router.complete("m:fast", false).body()).contains("\"replica\":\"fast\"");
        assertThat(fast.bodies.poll().getString("model")).isEqualTo("m:fast");
        assertThat(router.post("/v1/completions", "{\"model\":\"m\",\"prompt\":\"x\","
                + "\"exitstream\":{\"quality\":\"fast\"}}").body())
                .contains("\"replica\":\"fast\"");
        assertThat(router.complete("m", false).body()).contains("\"replica\":\"general\"");
        assertThat(router.complete("m:exact", false).body())
                .contains("\"replica\":\"general\"");
        assertThat(general.bodies).extracting(body -> body.getString("model"))
                .containsExactly("m", "m:exact");
        HttpResponse<String> conflicting = router.post("/v1/completions", "{\"model\":"
                + "\"m:fast\",\"exitstream\":{\"quality\":\"exact\"}}");
        assertThat(conflicting.statusCode()).isEqualTo(400);
        assertThat(conflicting.body()).contains("invalid_quality");
    }

    @Test
    void aRequestWithoutAModelGoesToTheOnlyPoolAsAServerWouldServeIt() {
        FakeReplica only = replica("only", "m");
        RouterClient router = router("", RouterFixture.pool("m", only));
        assertThat(router.post("/v1/completions", "{\"prompt\":\"x\"}").statusCode())
                .isEqualTo(200);
        assertThat(only.bodies.poll().getString("model")).isEqualTo("m");
    }

    @Test
    void relaysChatCompletionsAndTheReplicasOwnErrorsAsTheyAre() {
        FakeReplica only = replica("only", "m");
        RouterClient router = router("", RouterFixture.pool("m", only));
        HttpResponse<String> answer = router.post("/v1/chat/completions",
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.body()).isEqualTo(
                "{\"error\":{\"message\":\"no chat template\",\"param\":\"messages\"}}");
    }

    @Test
    void refusesABodyOverTheLimit() {
        FakeReplica a = replica("a", "m");
        RouterClient router = router("\"bodyLimitBytes\":100", RouterFixture.pool("m", a));
        HttpResponse<String> answer = router.post("/v1/completions",
                "{\"model\":\"m\",\"prompt\":\"" + "x".repeat(200) + "\"}");
        assertThat(answer.statusCode()).isEqualTo(413);
        assertThat(answer.body()).contains("body_too_large");
        assertThat(a.requests.get()).isZero();
    }
}
