package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;
import io.exitstream.server.ExitstreamServer;
import io.exitstream.server.ServerOptions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router in front of two real server replicas of the shipped model, started as
 * {@code up --replicas 2} starts them, and the {@code router} command's configuration errors.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RouterEndToEndTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static ServingFleet fleet;
    private static String model;

    /** As {@code up --replicas 2} starts them, without Kafka. */
    @BeforeAll
    static void startTwoReplicasBehindTheRouter() {
        Path shipped = ShippedModel.dir();
        model = ExitstreamServer.modelName(shipped);
        fleet = ServingFleet.start(ServerOptions.of(shipped, null, "127.0.0.1", 0)
                .withLoader(weights -> {
                    // The model is small and the test machine's cores are shared.
                    Torch.setThreads(1);
                    return LlamaModel.load(weights);
                }), 2, "127.0.0.1", 0,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        assertThat(fleet.replicaPorts()).hasSize(2).doesNotContain(fleet.port());
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!fleet.replicaPorts().stream()
                .allMatch(port -> get(port, "/health/ready").statusCode() == 200)) {
            assertThat(System.nanoTime()).as("replicas ready in 60 s").isLessThan(deadline);
            sleep();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void completesThroughTheRouterPlainAndStreamingAsTheReplicasDo() {
        String request = "{\"model\":\"" + model + "\",\"prompt\":\"Once upon a time\","
                + "\"max_tokens\":12,\"temperature\":0,\"stream\":%s}";
        HttpResponse<String> plain = post(fleet.port(), request.formatted(false));
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.body()).contains("\"model\":\"" + model + "\"", "\"text\":");

        HttpResponse<String> routed = post(fleet.port(), request.formatted(true));
        HttpResponse<String> direct = post(fleet.replicaPorts().get(0),
                request.formatted(true));
        assertThat(routed.statusCode()).isEqualTo(200);
        assertThat(routed.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/event-stream"));
        // The same events in the same bytes, but for each response's own id and time.
        assertThat(withoutIds(routed.body())).isEqualTo(withoutIds(direct.body()));
        assertThat(routed.body()).endsWith("data: [DONE]\n\n");

        HttpResponse<String> models = get(fleet.port(), "/v1/models");
        assertThat(models.body()).contains("\"id\":\"" + model + "\"");
    }

    /**
     * The official OpenAI SDK for Node, plain and streaming, through the router. Skipped where
     * node or the SDK is missing: {@code npm ci} in {@code cli/src/test/openai-sdk} installs it.
     */
    @Test
    void theOfficialOpenAiSdkWorksThroughTheRouter() throws Exception {
        Path sdk = Path.of("src", "test", "openai-sdk").toAbsolutePath();
        Assumptions.assumeTrue(Files.isDirectory(sdk.resolve("node_modules").resolve("openai")),
                "the OpenAI SDK is not installed: run npm ci in " + sdk);
        ProcessBuilder builder = new ProcessBuilder("node", "check.mjs").directory(sdk.toFile())
                .redirectErrorStream(true);
        builder.environment().put("BASE_URL", "http://127.0.0.1:" + fleet.port() + "/v1");
        builder.environment().put("MODEL", model);
        Process node;
        try {
            node = builder.start();
        } catch (java.io.IOException e) {
            Assumptions.abort("node is not installed: " + e.getMessage());
            return;
        }
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).as("the SDK script ends").isTrue();
        String output = new String(node.getInputStream().readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8).strip();
        assertThat(node.exitValue()).as(output).isZero();
        JsonObject result = JsonParser.parseString(output).getAsJsonObject();
        assertThat(result.get("plain").getAsString()).isNotEmpty()
                .isEqualTo(result.get("streamed").getAsString());
        assertThat(result.getAsJsonArray("models").toString()).contains("\"" + model + "\"");
    }

    @Test
    void theRouterCommandReportsEachConfigurationMistakeOnItsOwnLine(@TempDir Path dir)
            throws Exception {
        Path config = Files.writeString(dir.resolve("router.json"),
                "{\"pools\":[{\"model\":\"m\",\"replicas\":[\"nohost\"]}],\"port\":1}");
        CliRun run = CliRun.of("router", "--config", config.toString());
        assertThat(run.exitCode()).isEqualTo(OneLineErrors.FAILED);
        assertThat(run.err().strip().lines()).containsExactly(
                "router: " + config + ": port: unknown field; expected one of adminKeySha256,"
                        + " bodyLimitBytes, defaultMaxTokens, health, listen, pools, retry,"
                        + " tenants",
                config + ": pools[0].replicas[0]: 'nohost' is not host:port");
        CliRun missing = CliRun.of("router", "--config", dir.resolve("none.json").toString());
        assertThat(missing.err().strip()).isEqualTo("router: " + dir.resolve("none.json")
                + ": no such file");
    }

    @Test
    void upRefusesFewerThanOneReplicaOnOneLine() {
        CliRun run = CliRun.of("up", "--replicas", "0");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).isEqualTo("up: --replicas must be at least 1, got 0"
                + " (see: exitstream up --help)");
    }

    private static String withoutIds(String sse) {
        return sse.replaceAll("\"id\":\"[^\"]*\"", "\"id\":\"\"")
                .replaceAll("\"created\":\\d+", "\"created\":0");
    }

    private static HttpResponse<String> post(int port, String json) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/v1/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private static HttpResponse<String> get(int port, String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return CLIENT.sendAsync(request.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString()).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** models/exitstream-stories-8L, found by walking up from the working directory. */
    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
