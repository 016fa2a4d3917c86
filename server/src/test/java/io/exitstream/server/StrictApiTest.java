package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Nothing is silently ignored: every field this server does not implement, every value of the
 * wrong type or out of range, every wrong content type and unknown path gets a 4xx naming what
 * to change, in OpenAI's error object, with none of the JSON parser's own words.
 */
class StrictApiTest extends OnTestServer {


    /** A body sent to /v1/completions, and the param and message part expected back. */
    record Case(String body, String param, String message) {
        @Override
        public String toString() {
            return body.length() > 60 ? body.substring(0, 60) : body;
        }
    }

    private static Case field(String json, String param, String message) {
        return new Case("{\"prompt\": \"Once\", " + json + "}", param, message);
    }

    static Stream<Case> refused() {
        return Stream.of(
                field("\"suffix\": \"the end\"", "suffix", "suffix is not supported"),
                field("\"tools\": []", "tools", "Unknown field 'tools'"),
                field("\"response_format\": {\"type\": \"json_object\"}", "response_format",
                        "Unknown field 'response_format'"),
                field("\"best_of\": 2, \"n\": 3", "best_of", "best_of must be at least n"),
                field("\"best_of\": 3, \"stream\": true", "best_of",
                        "cannot be used with stream"),
                field("\"best_of\": 9, \"prompt\": [\"a\", \"b\"]", "prompt",
                        "best_of = 9 choices; at most 16"),
                field("\"stream_options\": {\"include_usage\": true}", "stream_options",
                        "only allowed with \"stream\": true"),
                field("\"stream\": true, \"stream_options\": {\"x\": 1}", "stream_options.x",
                        "Unknown field 'stream_options.x'"),
                field("\"top_p\": 1e-50", "top_p", "top_p must be in (0, 1]"),
                field("\"top_p\": 1.5", "top_p", "top_p must be in (0, 1]"),
                field("\"top_k\": -2", "top_k", "top_k must be at least -1"),
                field("\"top_k\": 1e30", "top_k", "top_k must be an integer"),
                field("\"min_p\": 1.5", "min_p", "min_p must be between 0 and 1"),
                field("\"presence_penalty\": 5", "presence_penalty",
                        "presence_penalty must be between -2 and 2"),
                field("\"frequency_penalty\": \"high\"", "frequency_penalty",
                        "frequency_penalty must be a number"),
                field("\"repetition_penalty\": 0", "repetition_penalty",
                        "repetition_penalty must be in (0, 2]"),
                field("\"logit_bias\": {\"48\": \"abc\"}", "logit_bias.48",
                        "logit_bias.48 must be a number"),
                field("\"logit_bias\": {\"48\": 101}", "logit_bias.48",
                        "must be between -100 and 100"),
                field("\"logit_bias\": {\"dog\": 1}", "logit_bias.dog", "is not a token id"),
                field("\"logit_bias\": {\"99999\": 1}", "logit_bias.99999", "is not a token id"),
                field("\"logit_bias\": [1]", "logit_bias", "logit_bias must be an object"),
                field("\"logprobs\": 21", "logprobs", "logprobs must be between 0 and 20"),
                field("\"logprobs\": true", "logprobs", "logprobs must be an integer"),
                field("\"max_completion_tokens\": 0", "max_completion_tokens",
                        "must be at least 1"),
                field("\"max_tokens\": 5, \"max_completion_tokens\": 6",
                        "max_completion_tokens", "give one, or both equal"),
                field("\"n\": 0", "n", "n must be between 1 and 16"),
                field("\"seed\": 1.5", "seed", "seed must be an integer"),
                field("\"max_tokens\": 3000000000", "max_tokens",
                        "max_tokens must be at most 2147483647"),
                field("\"seed\": 99999999999999999999999", "seed", "seed must be"),
                field("\"user\": 5", "user", "user must be a string"),
                field("\"echo\": \"yes\"", "echo", "echo must be true or false"),
                new Case("{\"prompt\": [\"a\", 5]}", "prompt", "prompt[1] must be a string"),
                new Case("{\"prompt\": [[1, 2], []]}", "prompt", "prompt[1] must be a non-empty"),
                new Case("{\"prompt\": [" + "\"a\", ".repeat(16) + "\"a\"]}", "prompt",
                        "at most 16"),
                new Case("{\"prompt\": \"a\", \"model\": 5}", "model", "model must be a string"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void everyUnsupportedOrInvalidFieldIsRefusedByName(Case c) {
        HttpResponse<String> response = server.post("/v1/completions", c.body());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonObject error = new JsonObject(response.body()).getJsonObject("error");
        assertThat(error.getString("message")).contains(c.message());
        assertThat(error.getString("param")).isEqualTo(c.param());
        assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    }

    @Test
    void invalidJsonSaysWhereWithoutTheParsersWords() {
        HttpResponse<String> response = server.post("/v1/completions", "{\"prompt\": tru");

        assertThat(response.statusCode()).isEqualTo(400);
        String message = new JsonObject(response.body()).getJsonObject("error")
                .getString("message");
        assertThat(message).matches("The request body is not valid JSON \\(at line 1, column"
                + " \\d+\\)");
    }

    @Test
    void bodiesThatAreNotJsonGet415() {
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded",
                "application/json; charset=latin1"}) {
            HttpResponse<String> response = server.send(server.request("/v1/completions")
                    .header("Content-Type", type)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Once\"}"))
                    .build());

            assertThat(response.statusCode()).as(type).isEqualTo(415);
            assertThat(new JsonObject(response.body()).getJsonObject("error")
                    .getString("code")).isEqualTo("unsupported_media_type");
        }
        HttpResponse<String> json = server.send(server.request("/v1/completions")
                .header("Content-Type", "application/json; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Once\"}")).build());
        assertThat(json.statusCode()).isEqualTo(200);
    }

    @Test
    void unknownPathsUnderV1Get404AndTheModelCanBeRetrieved() {
        for (String path : new String[] {"/v1/models/unknown", "/v1/nothing", "/v1/models/x/y"}) {
            HttpResponse<String> response = server.get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(new JsonObject(response.body()).getJsonObject("error")).isNotNull();
        }
        HttpResponse<String> model = server.get("/v1/models/" + TestServer.MODEL);
        assertThat(model.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(model.body()).getString("id")).isEqualTo(TestServer.MODEL);
        assertThat(new JsonObject(model.body()).getString("object")).isEqualTo("model");
        assertThat(server.get("/v1/models/unknown").body()).contains("model_not_found");
    }

    @Test
    void aPromptTooLongByItsBytesIsRefusedBeforeTokenizing() {
        // "at least" is only said by the bound from the byte length: no tokenizing happened.
        String prompt = "Once upon a time there was a dog. ".repeat(25_000);
        long start = System.nanoTime();
        HttpResponse<String> response = server.post("/v1/completions",
                new JsonObject().put("prompt", prompt).encode());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("The prompt is at least").contains("shorten");
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(5);
    }

    @Test
    void aListOfPromptsGetsAChoiceEach() {
        JsonObject response = server.complete("{\"prompt\": [\"Once upon a time\", \"The dog\"],"
                + " \"max_tokens\": 4, \"temperature\": 0}");

        JsonArray choices = response.getJsonArray("choices");
        assertThat(choices).hasSize(2);
        assertThat(choices.getJsonObject(0).getInteger("index")).isZero();
        assertThat(choices.getJsonObject(1).getInteger("index")).isOne();
        String first = server.text("{\"prompt\": \"Once upon a time\", \"max_tokens\": 4,"
                + " \"temperature\": 0}");
        String second = server.text("{\"prompt\": \"The dog\", \"max_tokens\": 4,"
                + " \"temperature\": 0}");
        assertThat(choices.getJsonObject(0).getString("text")).isEqualTo(first);
        assertThat(choices.getJsonObject(1).getString("text")).isEqualTo(second);
        JsonObject usage = response.getJsonObject("usage");
        assertThat(usage.getInteger("completion_tokens")).isEqualTo(
                choices.getJsonObject(0).getJsonObject("exitstream").getJsonArray("exit_layers")
                        .size() + choices.getJsonObject(1).getJsonObject("exitstream")
                        .getJsonArray("exit_layers").size());
    }

    @Test
    void tokenizeAndDetokenizeRoundTrip() {
        HttpResponse<String> tokenized = server.post("/tokenize",
                "{\"prompt\": \"Once upon a time\"}");
        assertThat(tokenized.statusCode()).as(tokenized.body()).isEqualTo(200);
        JsonObject json = new JsonObject(tokenized.body());
        JsonArray tokens = json.getJsonArray("tokens");
        assertThat(json.getInteger("count")).isEqualTo(tokens.size()).isGreaterThan(1);
        assertThat(json.getInteger("max_model_len")).isEqualTo(256);

        HttpResponse<String> text = server.post("/detokenize",
                new JsonObject().put("tokens", tokens).encode());
        assertThat(text.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(text.body()).getString("prompt")).isEqualTo("Once upon a time");
        assertThat(server.post("/detokenize", "{\"tokens\": [99999]}").statusCode())
                .isEqualTo(400);
        assertThat(server.post("/tokenize", "{\"text\": \"a\"}").body())
                .contains("Unknown field 'text'");
    }
}
