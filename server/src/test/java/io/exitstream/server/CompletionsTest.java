package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.ShippedModel;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Completions over real HTTP against the shipped model, checked against what the engine alone
 * writes for the same prompt. (Run.c's reference texts are checked by
 * {@code CompletionsGoldenTest}.)
 */
class CompletionsTest {

    private static final String PROMPT = "Lily went to the park with her dog";

    private static TestServer server;
    /** The engine's greedy continuation of PROMPT, up to its EOS (at most 120 tokens). */
    private static EngineGreedy.Continuation expected;

    @BeforeAll
    static void start() {
        server = TestServer.shared();
        expected = EngineGreedy.of(PROMPT, 120);
    }

    private static String greedy(int maxTokens, String extra) {
        return "{\"model\": \"" + TestServer.MODEL + "\", \"prompt\": " + Json.encode(PROMPT)
                + ", \"max_tokens\": " + maxTokens + ", \"temperature\": 0" + extra + "}";
    }

    @Test
    void greedyCompletionContinuesLikeTheEngine() {
        int tokens = expected.tokens();
        HttpResponse<String> response = server.post("/v1/completions", greedy(tokens, ""));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject body = new JsonObject(response.body());
        assertThat(body.getString("object")).isEqualTo("text_completion");
        assertThat(body.getString("id")).startsWith("cmpl-");
        assertThat(body.getString("model")).isEqualTo(TestServer.MODEL);
        JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
        assertThat(choice.getString("text")).isEqualTo(expected.text());
        assertThat(choice.getString("finish_reason")).isIn("length", "stop");
        assertThat(choice.containsKey("logprobs")).isTrue();
        assertThat(choice.getJsonObject("exitstream").getJsonArray("exit_layers"))
                .hasSize(tokens).allMatch(layer -> layer.equals(7));
        JsonObject usage = body.getJsonObject("usage");
        assertThat(usage.getInteger("completion_tokens")).isEqualTo(tokens);
        assertThat(usage.getInteger("prompt_tokens")).isEqualTo(expected.promptTokens());
        assertThat(usage.getInteger("total_tokens"))
                .isEqualTo(usage.getInteger("prompt_tokens") + tokens);
    }

    @Test
    void streamingSendsTheSameTextInChunksThenUsageThenDone() {
        String plain = text(server.post("/v1/completions", greedy(40, "")));
        HttpResponse<String> response = server.post("/v1/completions",
                greedy(40, ", \"stream\": true, \"stream_options\": {\"include_usage\": true}"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        List<String> events = List.of(response.body().split("\n\n", -1));
        assertThat(events).allMatch(e -> e.isEmpty() || e.startsWith("data: "));
        assertThat(events.get(events.size() - 2)).isEqualTo("data: [DONE]");
        assertThat(events.get(events.size() - 1)).isEmpty();
        List<JsonObject> chunks = events.subList(0, events.size() - 2).stream()
                .map(e -> new JsonObject(e.substring("data: ".length()))).toList();
        StringBuilder text = new StringBuilder();
        int exits = 0;
        for (JsonObject chunk : chunks.subList(0, chunks.size() - 1)) {
            assertThat(chunk.getString("object")).isEqualTo("text_completion");
            assertThat(chunk.getString("id")).isEqualTo(chunks.get(0).getString("id"));
            JsonObject choice = chunk.getJsonArray("choices").getJsonObject(0);
            text.append(choice.getString("text"));
            exits += choice.getJsonObject("exitstream").getJsonArray("exit_layers").size();
        }
        assertThat(text.toString()).isEqualTo(plain).isEqualTo(expected.text().substring(0,
                plain.length()));
        assertThat(exits).isEqualTo(40);
        JsonObject last = chunks.get(chunks.size() - 2).getJsonArray("choices").getJsonObject(0);
        assertThat(last.getString("finish_reason")).isEqualTo("length");
        JsonObject usage = chunks.get(chunks.size() - 1);
        assertThat(usage.getJsonArray("choices")).isEmpty();
        assertThat(usage.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(40);
    }

    @Test
    void concurrentRequestsBeyondTheBatchEachGetTheirSingleOutput() {
        List<String> prompts = List.of(PROMPT, "Once upon a time", "The cat", "Tom had a red",
                "One day, a little girl", PROMPT);
        List<String> alone = prompts.stream().map(CompletionsTest::complete).toList();

        List<CompletableFuture<String>> together = new ArrayList<>();
        for (String p : prompts) {
            together.add(CompletableFuture.supplyAsync(() -> complete(p)));
        }

        assertThat(together.stream().map(CompletableFuture::join).toList()).isEqualTo(alone);
        assertThat(alone.get(0)).isEqualTo(expected.text().substring(0, alone.get(0).length()));
    }

    @Test
    void stopStringEndsTheTextBeforeIt() {
        // The continuation's fourth word, wherever it first occurs, with a string never written.
        String word = expected.text().trim().split("\\W+")[3];
        HttpResponse<String> response = server.post("/v1/completions", greedy(expected.tokens(),
                ", \"stop\": [" + Json.encode(word) + ", \"zebra\"]"));

        JsonObject choice = new JsonObject(response.body()).getJsonArray("choices")
                .getJsonObject(0);
        assertThat(choice.getString("text"))
                .isEqualTo(expected.text().substring(0, expected.text().indexOf(word)));
        assertThat(choice.getString("finish_reason")).isEqualTo("stop");
    }

    @Test
    void ignoreEosGeneratesExactlyMaxTokens() {
        // Greedy decoding ends this story well before 200 tokens unless told to go on.
        String stopping = "{\"prompt\": \"The end.\", \"max_tokens\": 200, \"temperature\": 0";
        Completion natural = Completion.ofJson(server.post("/v1/completions", stopping + "}")
                .body());
        Completion forced = Completion.ofJson(server.post("/v1/completions",
                stopping + ", \"ignore_eos\": true}").body());

        assertThat(natural.finishReason()).isEqualTo("stop");
        assertThat(forced.finishReason()).isEqualTo("length");
        assertThat(forced.completionTokens()).isEqualTo(200);
    }

    @Test
    void tokenIdPromptsWork() {
        int[] ids = ShippedModel.tokenizer().encode(PROMPT, true, false);
        String body = "{\"prompt\": " + Json.encode(IntStream.of(ids).boxed().toList())
                + ", \"max_tokens\": 20, \"temperature\": 0}";

        assertThat(text(server.post("/v1/completions", body)))
                .isEqualTo(expected.text().substring(0, text(server.post("/v1/completions",
                        greedy(20, ""))).length()));
    }

    @Test
    void requestIdIsEchoed() {
        HttpResponse<String> response = server.send(server.request("/v1/models")
                .header("X-Request-Id", "abc-123").GET().build());

        assertThat(response.headers().firstValue("X-Request-Id")).hasValue("abc-123");
        assertThat(new JsonObject(response.body()).getJsonArray("data").getJsonObject(0)
                .getString("id")).isEqualTo(TestServer.MODEL);
    }

    @Test
    void healthAndMetricsAfterARequest() {
        complete("Once upon a time");

        assertThat(server.get("/health/live").statusCode()).isEqualTo(200);
        assertThat(server.get("/health/ready").statusCode()).isEqualTo(200);
        String metrics = server.get("/metrics").body();
        assertThat(metrics).contains(
                "exitstream_time_to_first_token_seconds_bucket{model=\"" + TestServer.MODEL + "\"",
                "exitstream_inter_token_latency_seconds", "exitstream_request_duration_seconds",
                "exitstream_queue_wait_seconds", "exitstream_requests_running",
                "exitstream_requests_waiting", "exitstream_tokens_generated_total",
                "exitstream_batch_size", "exitstream_plan_version",
                "exitstream_layers_executed_per_token", "exitstream_token_exit_layer");
    }

    @Test
    void chatCompletionsExplainThereIsNoChatTemplate() {
        HttpResponse<String> response = server.post("/v1/chat/completions",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(response.body()).getJsonObject("error").getString("message"))
                .contains("no chat template");
    }

    private static String complete(String text) {
        return text(server.post("/v1/completions", "{\"prompt\": " + Json.encode(text)
                + ", \"max_tokens\": 30, \"temperature\": 0}"));
    }

    private static String text(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return new JsonObject(response.body()).getJsonArray("choices").getJsonObject(0)
                .getString("text");
    }
}
