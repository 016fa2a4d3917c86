package io.exitstream.server;

import io.exitstream.engine.runtime.TokenReport;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Streams a completion as Server-Sent Events: per choice a chunk per token (with the choice's
 * index, as OpenAI streams {@code n > 1}) and a last chunk with its finish reason; once every
 * choice is done, optionally a usage chunk, then {@code data: [DONE]}.
 */
final class SseReply extends CompletionReply {

    private final HttpServerResponse response;

    SseReply(HttpServerResponse response, CompletionJson json, Completions completions,
            Tokenizer tokenizer) {
        super(json, completions, tokenizer);
        this.response = response;
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache");
    }

    @Override
    void token(Choice choice, String text, TokenReport report) {
        send(choice, choice.withEcho(text), null, List.of(report.exitLayer()));
    }

    @Override
    void finish(Choice choice, String tail, String finishReason) {
        send(choice, choice.withEcho(tail), finishReason, List.of());
    }

    @Override
    void complete(int promptTokens, int completionTokens) {
        if (completions.includeUsage()) {
            write(json.usageChunk(promptTokens, completionTokens));
        }
        if (!response.closed()) {
            response.end("data: [DONE]\n\n");
        }
    }

    @Override
    void error(ApiError error) {
        if (!response.headWritten()) {
            HttpApi.sendError(response, error);
        } else if (!response.closed()) {
            // Too late for a status: the error travels as an event, then the stream ends.
            write(error.toJson());
            response.end("data: [DONE]\n\n");
        }
    }

    private void send(Choice choice, String text, String finishReason,
            List<Integer> exitLayers) {
        write(json.response(new JsonArray().add(json.choice(choice.index, text, finishReason,
                exitLayers, choice.planVersion, choice.takeLogprobs(), choice.quality))));
    }

    private void write(JsonObject chunk) {
        if (!response.closed()) {
            response.write("data: " + chunk.encode() + "\n\n");
        }
    }
}
