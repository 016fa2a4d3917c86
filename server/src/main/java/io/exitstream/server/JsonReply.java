package io.exitstream.server;

import io.exitstream.engine.runtime.TokenReport;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Collects every choice of a completion and answers with one JSON object. */
final class JsonReply extends CompletionReply {

    private final HttpServerResponse response;
    private final StringBuilder[] texts;
    private final JsonObject[] finished;

    JsonReply(HttpServerResponse response, CompletionJson json, Completions completions,
            Tokenizer tokenizer) {
        super(json, completions, tokenizer);
        this.response = response;
        this.texts = new StringBuilder[choices.size()];
        this.finished = new JsonObject[choices.size()];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = new StringBuilder();
        }
    }

    @Override
    void token(Choice choice, String text, TokenReport report) {
        texts[choice.index].append(text);
    }

    @Override
    void finish(Choice choice, String tail, String finishReason) {
        String text = choice.withEcho(texts[choice.index].append(tail).toString());
        finished[choice.index] = json.choice(choice.index, text, finishReason,
                choice.exitLayers, choice.planVersion, choice.takeLogprobs(), choice.quality);
    }

    @Override
    void complete(int promptTokens, int completionTokens) {
        HttpApi.sendJson(response, 200, json.response(new JsonArray(List.of(finished)))
                .put("usage", CompletionJson.usage(promptTokens, completionTokens)));
    }

    @Override
    void error(ApiError error) {
        HttpApi.sendError(response, error);
    }
}
