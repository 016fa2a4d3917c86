package io.exitstream.router;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Copies one upstream response to its client as it arrives, chunk by chunk: status and headers
 * at once, then each buffer, pausing the upstream while the client's write queue is full
 * (back-pressure). When the upstream dies mid-way an event stream ends with an SSE error event
 * and {@code data: [DONE]}; any other body is cut off so that the client sees it incomplete.
 */
final class StreamRelay {

    /** Connection-level headers that belong to one hop, never forwarded. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive",
            "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection");
    private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

    private final HttpClientResponse upstream;
    private final HttpServerResponse client;
    private final boolean eventStream;
    private boolean atEventBoundary = true;

    StreamRelay(HttpClientResponse upstream, HttpServerResponse client) {
        this.upstream = upstream;
        this.client = client;
        String type = upstream.getHeader("Content-Type");
        this.eventStream = type != null && type.startsWith("text/event-stream");
    }

    /**
     * Starts copying; {@code done} runs once at the end, with null after a complete copy or the
     * upstream's failure.
     */
    void start(Consumer<Throwable> done) {
        client.setStatusCode(upstream.statusCode());
        copyHeaders(upstream.headers(), client.headers());
        if (upstream.getHeader("Content-Length") == null) {
            client.setChunked(true);
        }
        upstream.handler(this::forward);
        upstream.endHandler(v -> {
            client.end();
            done.accept(null);
        });
        upstream.exceptionHandler(failure -> {
            upstream.handler(null).endHandler(null).exceptionHandler(null);
            if (!client.closed()) {
                endBroken(failure);
            }
            done.accept(failure);
        });
        // The client sees the headers now, not with the first token.
        client.writeHead();
    }

    private void forward(Buffer chunk) {
        if (client.closed()) {
            return;
        }
        client.write(chunk);
        atEventBoundary = endsWithBlankLine(chunk);
        if (client.writeQueueFull()) {
            upstream.pause();
            client.drainHandler(v -> upstream.resume());
            // A queue that drained before the handler was set would never call it.
            if (!client.writeQueueFull()) {
                upstream.resume();
            }
        }
    }

    private void endBroken(Throwable failure) {
        if (!eventStream) {
            client.reset();
            return;
        }
        String error = new io.vertx.core.json.JsonObject().put("error",
                new io.vertx.core.json.JsonObject()
                        .put("message", "The replica serving this stream failed mid-way ("
                                + failure.getMessage() + "); the answer is incomplete")
                        .put("type", "server_error").putNull("param")
                        .put("code", "upstream_lost")).encode();
        // A partial event is closed first, so that the error is an event of its own.
        Buffer tail = Buffer.buffer(atEventBoundary ? "" : "\n\n")
                .appendString("data: " + error + "\n\n").appendBuffer(DONE);
        client.end(tail);
    }

    private static boolean endsWithBlankLine(Buffer chunk) {
        int n = chunk.length();
        return n >= 2 && chunk.getByte(n - 1) == '\n' && chunk.getByte(n - 2) == '\n';
    }

    static void copyHeaders(MultiMap from, MultiMap to) {
        from.forEach((name, value) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                to.add(name, value);
            }
        });
    }
}
