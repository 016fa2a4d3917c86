package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.SharedFixtures;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A completion over HTTP from stories260K reproduces run.c's reference text in
 * {@code ../shared} (skipped without it).
 */
class CompletionsGoldenTest {

    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(SharedFixtures.stories260K(),
                options -> options.withBatching(1, 4, Duration.ofSeconds(30)));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void greedyCompletionContinuesLikeRunC() {
        com.google.gson.JsonObject golden = SharedFixtures.golden().getAsJsonArray("prompted")
                .get(0).getAsJsonObject();
        String prompt = golden.get("prompt").getAsString();
        String continuation = golden.get("greedy_text").getAsString().substring(prompt.length());
        int promptTokens = TokenizerFiles.load(SharedFixtures.stories260K(), null, 512)
                .encode(prompt, true, false).length;
        // run.c's steps count every position, the prompt's (BOS included) too.
        int tokens = golden.get("total_positions").getAsInt() - promptTokens + 1;

        HttpResponse<String> response = server.post("/v1/completions", "{\"model\":"
                + " \"stories260K\", \"prompt\": " + Json.encode(prompt) + ", \"max_tokens\": "
                + tokens + ", \"temperature\": 0}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonObject choice = new JsonObject(response.body()).getJsonArray("choices")
                .getJsonObject(0);
        assertThat(choice.getString("text")).isEqualTo(continuation);
        assertThat(choice.getString("finish_reason")).isEqualTo("length");
        assertThat(choice.getJsonObject("exitstream").getJsonArray("exit_layers"))
                .hasSize(tokens).allMatch(layer -> layer.equals(4));
    }
}
