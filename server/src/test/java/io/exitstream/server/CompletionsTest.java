package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.SharedFixtures;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Completions over real HTTP against stories260K, checked against run.c's output. */
class CompletionsTest {

    private static TestServer server;
    private static String prompt;
    private static String goldenContinuation;
    private static int goldenTokens;

    @BeforeAll
    static void start() {
        server = TestServer.shared();
        com.google.gson.JsonObject golden = SharedFixtures.golden().getAsJsonArray("prompted")
                .get(0).getAsJsonObject();
        prompt = golden.get("prompt").getAsString();
        goldenContinuation = golden.get("greedy_text").getAsString().substring(prompt.length());
        int promptTokens = TokenizerFiles.load(SharedFixtures.stories260K(), null, 512)
                .encode(prompt, true, false).length;
        // run.c's steps count every position, the prompt's (BOS included) too.
        goldenTokens = golden.get("total_positions").getAsInt() - promptTokens + 1;
    }

    private static String greedy(int maxTokens, String extra) {
        return "{\"model\": \"stories260K\", \"prompt\": " + Json.encode(prompt)
                + ", \"max_tokens\": " + maxTokens + ", \"temperature\": 0" + extra + "}";
    }

    @Test
    void greedyCompletionContinuesLikeRunC() {
        HttpResponse<String> response = server.post("/v1/completions", greedy(goldenTokens, ""));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject body = new JsonObject(response.body());
        assertThat(body.getString("object")).isEqualTo("text_completion");
        assertThat(body.getString("id")).startsWith("cmpl-");
        assertThat(body.getString("model")).isEqualTo("stories260K");
        JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
        assertThat(choice.getString("text")).isEqualTo(goldenContinuation);
        assertThat(choice.getString("finish_reason")).isEqualTo("length");
        assertThat(choice.containsKey("logprobs")).isTrue();
        assertThat(choice.getJsonObject("exitstream").getJsonArray("exit_layers"))
                .hasSize(goldenTokens).allMatch(layer -> layer.equals(4));
        JsonObject usage = body.getJsonObject("usage");
        assertThat(usage.getInteger("completion_tokens")).isEqualTo(goldenTokens);
        assertThat(usage.getInteger("total_tokens"))
                .isEqualTo(usage.getInteger("prompt_tokens") + goldenTokens);
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
        assertThat(text.toString()).isEqualTo(plain).isEqualTo(goldenContinuation.substring(0,
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
        List<String> prompts = List.of(prompt, "Once upon a time", "The cat", "Tom had a red",
                "One day, a little girl", prompt);
        List<String> alone = prompts.stream().map(CompletionsTest::complete).toList();

        List<CompletableFuture<String>> together = new ArrayList<>();
        for (String p : prompts) {
            together.add(CompletableFuture.supplyAsync(() -> complete(p)));
        }

        assertThat(together.stream().map(CompletableFuture::join).toList()).isEqualTo(alone);
        assertThat(alone.get(0)).isEqualTo(goldenContinuation.substring(0, alone.get(0).length()));
    }

    @Test
    void stopStringEndsTheTextBeforeIt() {
        HttpResponse<String> response = server.post("/v1/completions",
                greedy(goldenTokens, ", \"stop\": [\"box\", \"zebra\"]"));

        JsonObject choice = new JsonObject(response.body()).getJsonArray("choices")
                .getJsonObject(0);
        assertThat(choice.getString("text")).isEqualTo(". She saw a big ");
        assertThat(choice.getString("finish_reason")).isEqualTo("stop");
    }

    @Test
    void ignoreEosGeneratesExactlyMaxTokens() {
        // Greedy stories260K ends this story well before 400 tokens unless told to go on.
        String stopping = "{\"prompt\": \"The end.\", \"max_tokens\": 400, \"temperature\": 0";
        Completion natural = Completion.ofJson(server.post("/v1/completions", stopping + "}")
                .body());
        Completion forced = Completion.ofJson(server.post("/v1/completions",
                stopping + ", \"ignore_eos\": true}").body());

        assertThat(natural.finishReason()).isEqualTo("stop");
        assertThat(forced.finishReason()).isEqualTo("length");
        assertThat(forced.completionTokens()).isEqualTo(400);
    }

    @Test
    void tokenIdPromptsWork() {
        int[] ids = TokenizerFiles.load(SharedFixtures.stories260K(), null, 512)
                .encode(prompt, true, false);
        String body = "{\"prompt\": " + Json.encode(IntStream.of(ids).boxed().toList())
                + ", \"max_tokens\": 20, \"temperature\": 0}";

        assertThat(text(server.post("/v1/completions", body)))
                .isEqualTo(goldenContinuation.substring(0, text(server.post("/v1/completions",
                        greedy(20, ""))).length()));
    }

    @Test
    void requestIdIsEchoed() {
        HttpResponse<String> response = server.send(server.request("/v1/models")
                .header("X-Request-Id", "abc-123").GET().build());

        assertThat(response.headers().firstValue("X-Request-Id")).hasValue("abc-123");
        assertThat(new JsonObject(response.body()).getJsonArray("data").getJsonObject(0)
                .getString("id")).isEqualTo("stories260K");
    }

    @Test
    void healthAndMetricsAfterARequest() {
        complete("Once upon a time");

        assertThat(server.get("/health/live").statusCode()).isEqualTo(200);
        assertThat(server.get("/health/ready").statusCode()).isEqualTo(200);
        String metrics = server.get("/metrics").body();
        assertThat(metrics).contains(
                "exitstream_time_to_first_token_seconds_bucket{model=\"stories260K\"",
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
