package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kind of bad request gets a 4xx with an OpenAI error object, and the server goes on. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputTest {

    private static TestServer server;

    /** One bad request: what is sent, and the status and message part expected back. */
    record Case(String name, String method, String path, byte[] body, int status,
            String message) {

        static Case post(String name, String body, int status, String message) {
            return new Case(name, "POST", "/v1/completions",
                    body.getBytes(StandardCharsets.UTF_8), status, message);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    static void start() {
        server = TestServer.shared();
    }

    static Stream<Case> cases() {
        return Stream.of(
                Case.post("invalid JSON", "{\"prompt\": ", 400, "not valid JSON"),
                Case.post("not an object", "[1, 2]", 400, "must be a JSON object"),
                Case.post("empty body", "", 400, "must be a JSON object"),
                Case.post("missing prompt", "{\"max_tokens\": 5}", 400, "prompt is required"),
                Case.post("prompt of wrong type", "{\"prompt\": 5}", 400, "non-empty string"),
                Case.post("token id outside the vocabulary", "{\"prompt\": [1, 9999]}", 400,
                        "token ids in 0..2047"),
                Case.post("max_tokens of wrong type", "{\"prompt\": \"a\", \"max_tokens\": \"9\"}",
                        400, "max_tokens must be an integer"),
                Case.post("temperature of wrong type",
                        "{\"prompt\": \"a\", \"temperature\": \"hot\"}", 400,
                        "temperature must be a number"),
                Case.post("negative temperature", "{\"prompt\": \"a\", \"temperature\": -1}", 400,
                        "temperature must be between 0 and 2"),
                Case.post("top_p out of range", "{\"prompt\": \"a\", \"top_p\": 0}", 400,
                        "top_p must be in (0, 1]"),
                Case.post("stream of wrong type", "{\"prompt\": \"a\", \"stream\": \"yes\"}", 400,
                        "stream must be true or false"),
                Case.post("stop of wrong type", "{\"prompt\": \"a\", \"stop\": 5}", 400,
                        "stop must be a string"),
                Case.post("zero max_tokens", "{\"prompt\": \"a\", \"max_tokens\": 0}", 400,
                        "max_tokens must be at least 1"),
                Case.post("max_tokens beyond the context",
                        "{\"prompt\": \"a\", \"max_tokens\": 100000}", 400, "lower max_tokens"),
                Case.post("prompt longer than the context",
                        "{\"prompt\": \"" + "the dog ran. ".repeat(400) + "\"}", 400,
                        "shorten the prompt"),
                Case.post("too many choices", "{\"prompt\": \"a\", \"n\": 17}", 400,
                        "n must be between 1 and 16"),
                Case.post("unknown model", "{\"model\": \"gpt-9\", \"prompt\": \"a\"}", 404,
                        "does not exist"),
                new Case("invalid UTF-8", "POST", "/v1/completions",
                        new byte[] {'{', '"', 'p', '"', ':', '"', (byte) 0xff, '"', '}'}, 400,
                        "not valid UTF-8"),
                Case.post("body over the size limit",
                        "{\"prompt\": \"" + "a".repeat(2 << 20) + "\"}", 413, "larger than"),
                new Case("wrong method", "GET", "/v1/completions", null, 405, "not allowed"),
                new Case("unknown path", "GET", "/v2/nothing", null, 404, "No route"));
    }

    @ParameterizedTest(name = "{0}")
    @Order(1)
    @MethodSource("cases")
    void badRequestGetsAClearClientError(Case c) {
        HttpRequest.BodyPublisher body = c.body() == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(c.body());
        HttpResponse<String> response = server.send(server.request(c.path())
                .header("Content-Type", "application/json").method(c.method(), body).build());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(c.status());
        JsonObject error = new JsonObject(response.body()).getJsonObject("error");
        assertThat(error.getString("message")).contains(c.message());
        assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    }

    @Test
    @Order(2)
    void theServerStillServesAfterwards() {
        HttpResponse<String> response = server.post("/v1/completions",
                "{\"prompt\": \"Once upon a time\", \"max_tokens\": 5}");

        assertThat(response.statusCode()).isEqualTo(200);
    }
}
