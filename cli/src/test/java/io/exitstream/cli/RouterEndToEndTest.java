package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;
import io.exitstream.router.ExitstreamRouter;
import io.exitstream.router.ReplicaAddress;
import io.exitstream.router.RouterConfig;
import io.exitstream.server.ExitstreamServer;
import io.exitstream.server.ServerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router in front of two real server replicas of the shipped model, and the
 * {@code router} command's configuration errors.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RouterEndToEndTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final List<ExitstreamServer> REPLICAS = new ArrayList<>();
    private static ExitstreamRouter router;
    private static String model;

    @BeforeAll
    static void startTwoReplicasBehindTheRouter() {
        Path shipped = shippedModel();
        model = ExitstreamServer.modelName(shipped);
        List<ReplicaAddress> addresses = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ExitstreamServer server = ExitstreamServer.start(
                    ServerOptions.of(shipped, null, "127.0.0.1", 0).withLoader(weights -> {
                        // The model is small and the test machine's cores are shared.
                        Torch.setThreads(1);
                        return LlamaModel.load(weights);
                    }));
            REPLICAS.add(server);
            addresses.add(new ReplicaAddress("127.0.0.1", server.port()));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!REPLICAS.stream().allMatch(ExitstreamServer::isReady)) {
            assertThat(System.nanoTime()).as("replicas ready in 60 s").isLessThan(deadline);
            sleep();
        }
        router = ExitstreamRouter.start(RouterConfig.ofReplicas("127.0.0.1", 0, model,
                addresses), () -> RouterConfig.ofReplicas("127.0.0.1", 0, model, addresses));
    }

    @AfterAll
    static void stop() throws Exception {
        if (router != null) {
            router.close();
        }
        for (ExitstreamServer server : REPLICAS) {
            server.close();
        }
    }

    @Test
    void completesThroughTheRouterPlainAndStreamingAsTheReplicasDo() {
        String request = "{\"model\":\"" + model + "\",\"prompt\":\"Once upon a time\","
                + "\"max_tokens\":12,\"temperature\":0,\"stream\":%s}";
        HttpResponse<String> plain = post(router.port(), request.formatted(false));
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.body()).contains("\"model\":\"" + model + "\"", "\"text\":");

        HttpResponse<String> routed = post(router.port(), request.formatted(true));
        HttpResponse<String> direct = post(REPLICAS.get(0).port(), request.formatted(true));
        assertThat(routed.statusCode()).isEqualTo(200);
        assertThat(routed.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/event-stream"));
        // The same events in the same bytes, but for each response's own id and time.
        assertThat(withoutIds(routed.body())).isEqualTo(withoutIds(direct.body()));
        assertThat(routed.body()).endsWith("data: [DONE]\n\n");

        HttpResponse<String> models = get(router.port(), "/v1/models");
        assertThat(models.body()).contains("\"id\":\"" + model + "\"");
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
    private static Path shippedModel() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("models").resolve(DefaultModel.NAME);
            if (Files.exists(candidate.resolve("config.json"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("models/" + DefaultModel.NAME + " not found above "
                + Path.of("").toAbsolutePath());
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
