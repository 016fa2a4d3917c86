package io.exitstream.server;

import io.exitstream.engine.runtime.TokenReport;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;

/** Collects a whole completion and answers with one JSON object. Runs on the Vert.x context. */
final class JsonReply implements CompletionListener {

    private final HttpServerResponse response;
    private final CompletionJson json;
    private final StringBuilder text = new StringBuilder();
    private final List<Integer> exitLayers = new ArrayList<>();
    private long planVersion;

    JsonReply(HttpServerResponse response, CompletionJson json) {
        this.response = response;
        this.json = json;
    }

    @Override
    public void onToken(String piece, TokenReport report) {
        text.append(piece);
        exitLayers.add(report.exitLayer());
        planVersion = report.planVersion();
    }

    @Override
    public void onFinish(String tail, String finishReason, int promptTokens,
            int completionTokens) {
        text.append(tail);
        HttpApi.sendJson(response, 200, json.choice(text.toString(), finishReason, exitLayers,
                planVersion)
                .put("usage", CompletionJson.usage(promptTokens, completionTokens)));
    }

    @Override
    public void onError(ApiError error) {
        HttpApi.sendError(response, error);
    }
}
