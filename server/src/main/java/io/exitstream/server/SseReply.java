package io.exitstream.server;

import io.exitstream.engine.runtime.TokenReport;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Streams a completion as Server-Sent Events: a chunk per token that adds text, a last chunk
 * with the finish reason, optionally a usage chunk, then {@code data: [DONE]}. Runs on the
 * Vert.x context.
 */
final class SseReply implements CompletionListener {

    private final HttpServerResponse response;
    private final CompletionJson json;
    private final boolean includeUsage;
    private long planVersion;

    SseReply(HttpServerResponse response, CompletionJson json, boolean includeUsage) {
        this.response = response;
        this.json = json;
        this.includeUsage = includeUsage;
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache");
    }

    @Override
    public void onToken(String text, TokenReport report) {
        planVersion = report.planVersion();
        send(json.choice(text, null, List.of(report.exitLayer()), planVersion));
    }

    @Override
    public void onFinish(String tail, String finishReason, int promptTokens,
            int completionTokens) {
        send(json.choice(tail, finishReason, List.of(), planVersion));
        if (includeUsage) {
            send(json.usageChunk(promptTokens, completionTokens));
        }
        if (!response.closed()) {
            response.end("data: [DONE]\n\n");
        }
    }

    @Override
    public void onError(ApiError error) {
        if (!response.headWritten()) {
            HttpApi.sendError(response, error);
        } else if (!response.closed()) {
            // Too late for a status: the error travels as an event, then the stream ends.
            send(error.toJson());
            response.end("data: [DONE]\n\n");
        }
    }

    private void send(JsonObject chunk) {
        if (!response.closed()) {
            response.write("data: " + chunk.encode() + "\n\n");
        }
    }
}
