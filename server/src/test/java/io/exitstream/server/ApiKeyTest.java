package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With an API key, the API's paths need it as a bearer token; probes stay open. */
class ApiKeyTest {

    private static final String KEY = "sk-test-0123456789";
    private static final String BODY = "{\"prompt\": \"Once\", \"max_tokens\": 2}";
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(options -> options.withApiKey(ApiKey.of(KEY)));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        server.close();
    }

    private static HttpResponse<String> post(String path, String authorization) {
        HttpRequest.Builder request = server.request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(BODY));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return server.send(request.build());
    }

    @Test
    void withoutTheRightKeyTheApiAnswers401InOpenAisShape() {
        for (String authorization : new String[] {null, "Bearer wrong", "Bearer " + KEY + "x",
                "Basic " + KEY, KEY}) {
            HttpResponse<String> response = post("/v1/completions", authorization);

            assertThat(response.statusCode()).as(authorization).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            JsonObject error = new JsonObject(response.body()).getJsonObject("error");
            assertThat(error.getString("code")).isEqualTo("invalid_api_key");
            assertThat(error.getString("type")).isEqualTo("invalid_request_error");
            assertThat(error.getString("message")).contains("Authorization: Bearer")
                    .doesNotContain(KEY).doesNotContain("wrong");
        }
        assertThat(server.get("/v1/models").statusCode()).isEqualTo(401);
        assertThat(post("/tokenize", null).statusCode()).isEqualTo(401);
    }

    @Test
    void theRightKeyIsLetInAndProbesNeedNone() {
        assertThat(post("/v1/completions", "Bearer " + KEY).statusCode()).isEqualTo(200);
        assertThat(post("/v1/completions", "bearer  " + KEY).statusCode()).isEqualTo(200);
        assertThat(server.send(server.request("/v1/models").header("Authorization",
                "Bearer " + KEY).GET().build()).statusCode()).isEqualTo(200);
        assertThat(server.get("/health/ready").statusCode()).isEqualTo(200);
        assertThat(server.get("/metrics").statusCode()).isEqualTo(200);
    }

    @Test
    void theKeyNeverPrints(@TempDir Path tmp) throws Exception {
        ApiKey key = ApiKey.of(KEY);
        ServerOptions options = ServerOptions.of(tmp, null, "127.0.0.1", 0).withApiKey(key);
        assertThat(options.toString()).doesNotContain(KEY).contains("ApiKey[hidden]");

        Path file = Files.writeString(tmp.resolve("key"), KEY + "\n");
        assertThat(ApiKey.fromFile(file).matches(KEY)).isTrue();
        assertThat(ApiKey.fromFile(file).matches(KEY + " ")).isFalse();
        assertThatThrownBy(() -> ApiKey.fromFile(Files.writeString(tmp.resolve("empty"), "\n")))
                .hasMessageContaining("is empty");
        assertThatThrownBy(() -> ApiKey.of("two words")).hasMessageNotContaining("two words");
    }
}
