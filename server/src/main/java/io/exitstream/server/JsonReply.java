package io.exitstream.server;

import io.exitstream.engine.runtime.TokenReport;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Comparator;
import java.util.stream.Stream;

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

    /**
     * Answers with every choice, or with best_of, per prompt the n candidates of highest
     * cumulative log probability, re-indexed; usage counts every candidate's tokens.
     */
    @Override
    void complete(int promptTokens, int completionTokens) {
        int n = completions.n();
        int bestOf = completions.bestOf();
        JsonArray answered = new JsonArray();
        for (int first = 0; first < choices.size(); first += bestOf) {
            Stream<Choice> group = choices.subList(first, first + bestOf).stream();
            if (bestOf > n) {
                group = group.sorted(Comparator.comparingDouble((Choice c) -> c.cumulativeLogprob)
                        .reversed()).limit(n);
            }
            group.forEach(best -> answered.add(finished[best.index]
                    .put("index", answered.size())));
        }
        HttpApi.sendJson(response, 200, json.response(answered)
                .put("usage", CompletionJson.usage(promptTokens, completionTokens)));
    }

    @Override
    void error(ApiError error) {
        HttpApi.sendError(response, error);
    }
}
