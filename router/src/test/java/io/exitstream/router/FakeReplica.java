package io.exitstream.router;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small real HTTP server on loopback that answers like {@code exitstream serve} (completions
 * as JSON or SSE, models, readiness) with knobs for what the router must cope with: slowness,
 * refusals with {@code Retry-After}, dying mid-stream, being stopped and started again.
 */
final class FakeReplica implements AutoCloseable {

    final String name;
    final String model;
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger cancelled = new AtomicInteger();
    final AtomicInteger healthChecks = new AtomicInteger();
    final Queue<JsonObject> bodies = new ConcurrentLinkedQueue<>();
    final Queue<String> authorizations = new ConcurrentLinkedQueue<>();
    /** Statuses to answer the next requests with, each with {@code Retry-After: 1}. */
    final Queue<Integer> refusals = new ConcurrentLinkedQueue<>();
    volatile String retryAfter = "1";
    volatile boolean ready = true;
    /** What its /metrics say it is running, as a server's gauge does. */
    volatile int running;
    volatile long delayMs;
    volatile long chunkDelayMs = 5;
    volatile int chunks = 5;
    /** Streams this many bytes of events as fast as the connection takes them; 0: off. */
    volatile long floodBytes;
    /** Bytes of a flood written so far. */
    final AtomicLong flooded = new AtomicLong();
    /** Closes the connection after this many SSE chunks; -1: never. */
    volatile int dieAfterChunks = -1;

    private final Vertx vertx = Vertx.vertx();
    private final String host;
    private HttpServer server;
    private int port;

    FakeReplica(String name, String model) {
        this(name, model, "127.0.0.1", 0);
    }

    /** On another loopback address (127.0.0.2, say), so that two can share a port. */
    FakeReplica(String name, String model, String host, int port) {
        this.name = name;
        this.model = model;
        this.host = host;
        listen(port);
    }

    int port() {
        return port;
    }

    String address() {
        return host + ":" + port;
    }

    /** Stops listening and drops every open connection, as a killed process would. */
    void stop() {
        await(server.shutdown(0, TimeUnit.MILLISECONDS));
    }

    /** Listens again on the same port. */
    void restart() {
        listen(port);
    }

    private void listen(int on) {
        Router router = Router.router(vertx);
        router.post("/v1/*").handler(BodyHandler.create(false));
        router.post("/v1/completions").handler(this::completion);
        // As a server whose model has no chat template answers.
        router.post("/v1/chat/completions").handler(ctx -> ctx.response().setStatusCode(400)
                .putHeader("Content-Type", "application/json")
                .end("{\"error\":{\"message\":\"no chat template\",\"param\":\"messages\"}}"));
        router.get("/v1/models").handler(ctx -> ctx.response().end(new JsonObject()
                .put("object", "list").put("data", new JsonArray().add(new JsonObject()
                        .put("id", model).put("object", "model").put("owned_by", "exitstream")))
                .encode()));
        router.get("/metrics").handler(ctx -> ctx.response().end(
                "# HELP exitstream_requests_running Requests decoding\n"
                        + "exitstream_requests_running{model=\"" + model + "\"} " + running
                        + ".0\nexitstream_requests_waiting{model=\"" + model + "\"} 0.0\n"));
        router.get("/health/ready").handler(ctx -> {
            healthChecks.incrementAndGet();
            ctx.response().setStatusCode(ready ? 200 : 503).end(ready ? "ready" : "not ready");
        });
        server = await(vertx.createHttpServer().requestHandler(router).listen(on, host));
        port = server.actualPort();
    }

    private void completion(RoutingContext ctx) {
        requests.incrementAndGet();
        JsonObject body = ctx.body().asJsonObject();
        bodies.add(body);
        String authorization = ctx.request().getHeader("Authorization");
        if (authorization != null) {
            authorizations.add(authorization);
        }
        HttpServerResponse response = ctx.response();
        Integer refusal = refusals.poll();
        if (refusal != null) {
            response.setStatusCode(refusal).putHeader("Retry-After", retryAfter)
                    .end("{\"error\":{\"message\":\"busy\"}}");
            return;
        }
        response.closeHandler(v -> {
            if (!response.ended()) {
                cancelled.incrementAndGet();
            }
        });
        vertx.setTimer(Math.max(1, delayMs), id -> {
            if (body.getBoolean("stream", false)) {
                response.setChunked(true).putHeader("Content-Type", "text/event-stream");
                if (floodBytes > 0) {
                    flood(response);
                } else {
                    streamChunk(ctx, response, 0);
                }
            } else {
                response.putHeader("Content-Type", "application/json").end(new JsonObject()
                        .put("model", body.getString("model")).put("replica", name)
                        .put("choices", new JsonArray().add(new JsonObject()
                                .put("text", "hello"))).encode());
            }
        });
    }

    /** Chunk i of an SSE answer whose bytes depend only on i, so they can be compared. */
    static String chunk(int i) {
        return "data: {\"choices\":[{\"index\":0,\"text\":\" token" + i + "\"}]}\n\n";
    }

    private void streamChunk(RoutingContext ctx, HttpServerResponse response, int i) {
        if (response.closed()) {
            return;
        }
        if (i == dieAfterChunks) {
            ctx.request().connection().close();
            return;
        }
        if (i == chunks) {
            response.end("data: [DONE]\n\n");
            return;
        }
        response.write(Buffer.buffer(chunk(i)));
        vertx.setTimer(Math.max(1, chunkDelayMs), id -> streamChunk(ctx, response, i + 1));
    }

    /** 64 KiB events until the queue is full, then again when it drains. */
    private void flood(HttpServerResponse response) {
        Buffer event = Buffer.buffer("data: " + "x".repeat(64 * 1024 - 8) + "\n\n");
        while (flooded.get() < floodBytes) {
            if (response.writeQueueFull()) {
                response.drainHandler(v -> flood(response));
                if (response.writeQueueFull()) {
                    return;
                }
                // Drained before the handler was set: go on here, not twice.
                response.drainHandler(null);
            }
            response.write(event);
            flooded.addAndGet(event.length());
        }
        response.end("data: [DONE]\n\n");
    }

    private static <T> T await(io.vertx.core.Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        await(vertx.close());
    }
}
