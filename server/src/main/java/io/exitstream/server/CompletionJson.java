package io.exitstream.server;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * OpenAI {@code text_completion} objects for one request: the whole response, or its stream
 * chunks, which share the id, creation time and model.
 */
final class CompletionJson {

    private final String id;
    private final long created;
    private final String model;

    CompletionJson(String id, long created, String model) {
        this.id = id;
        this.created = created;
        this.model = model;
    }

    /**
     * One choice of a response or chunk; {@code finishReason} is null while streaming.
     *
     * @param exitLayers the layer each token of {@code text} left at
     * @param planVersion the version of the plan the choice ran under
     * @param logprobs the log probabilities of the choice's tokens, or null when not asked for
     * @param quality the quality class the choice ran in, or null for the server's plan
     */
    JsonObject choice(int index, String text, String finishReason, List<Integer> exitLayers,
            long planVersion, JsonObject logprobs, QualityClass quality) {
        return new JsonObject()
                .put("index", index)
                .put("text", text)
                .put("logprobs", logprobs)
                .put("finish_reason", finishReason)
                .put("exitstream", new JsonObject()
                        .put("exit_layers", new JsonArray(List.copyOf(exitLayers)))
                        .put("plan_version", planVersion)
                        .put("quality", quality == null ? null : quality.apiName()));
    }

    /** A whole response or a stream chunk with these choices. */
    JsonObject response(JsonArray choices) {
        return envelope(choices);
    }

    /** The last stream chunk when usage was asked for: no choices, only the counts. */
    JsonObject usageChunk(int promptTokens, int completionTokens) {
        return envelope(new JsonArray()).put("usage", usage(promptTokens, completionTokens));
    }

    static JsonObject usage(int promptTokens, int completionTokens) {
        return new JsonObject()
                .put("prompt_tokens", promptTokens)
                .put("completion_tokens", completionTokens)
                .put("total_tokens", promptTokens + completionTokens);
    }

    private JsonObject envelope(JsonArray choices) {
        return new JsonObject()
                .put("id", id)
                .put("object", "text_completion")
                .put("created", created)
                .put("model", model)
                .put("choices", choices);
    }
}
