package io.exitstream.cli;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for {@code exitstream serve} with no model: it streams {@code max_tokens} chunks
 * shaped like the server's, one every {@code interval}, and answers {@code /health/ready}. What
 * a benchmark of the router needs: an upstream whose own timing is steady, so that the
 * router's cost is what differs between going direct and going through it.
 */
final class SseStub implements AutoCloseable {

    static final String MODEL = "stub";

    private final Vertx vertx = Vertx.vertx();
    private final long intervalMs;
    private final HttpServer server;

    SseStub(Duration interval) throws Exception {
        this.intervalMs = Math.max(1, interval.toMillis());
        this.server = vertx.createHttpServer().requestHandler(this::handle)
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
    }

    int port() {
        return server.actualPort();
    }

    private void handle(HttpServerRequest request) {
        switch (request.path()) {
            case "/health/ready" -> request.response().end("ready");
            case "/v1/completions" -> request.body().onSuccess(body -> {
                int tokens = body.toJsonObject().getInteger("max_tokens", 16);
                HttpServerResponse response = request.response().setChunked(true)
                        .putHeader("Content-Type", "text/event-stream");
                chunk(response, 0, tokens);
            });
            default -> request.response().setStatusCode(404).end();
        }
    }

    private void chunk(HttpServerResponse response, int i, int tokens) {
        if (response.closed()) {
            return;
        }
        if (i == tokens) {
            response.end("data: [DONE]\n\n");
            return;
        }
        JsonObject choice = new JsonObject().put("index", 0).put("text", " t" + i)
                .put("exitstream", new JsonObject().put("exit_layers", new JsonArray().add(8)));
        response.write("data: " + new JsonObject().put("model", MODEL)
                .put("choices", new JsonArray().add(choice)).encode() + "\n\n");
        vertx.setTimer(intervalMs, id -> chunk(response, i + 1, tokens));
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
