package io.exitstream.server;

import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.exits.ExitHeads;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/** A real server on a free loopback port serving the shipped model, and a client for it. */
final class TestServer implements AutoCloseable {

    /** The model id the server gives the shipped model: its directory's name. */
    static final String MODEL = ShippedModel.NAME;

    private static TestServer shared;

    private final ExitstreamServer server;
    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestServer(ExitstreamServer server) {
        this.server = server;
    }

    /** One server, batch 4, for every test class that does not need its own settings. */
    static synchronized TestServer shared() {
        if (shared == null) {
            shared = start(options -> options.withBatching(4, 64, Duration.ofSeconds(30)));
        }
        return shared;
    }

    /** A server of its own on the shipped model. Waits until ready. */
    static TestServer start(UnaryOperator<ServerOptions> settings) {
        return start(ShippedModel.dir(), settings);
    }

    /** A server of its own on {@code model}. Waits until ready. */
    static TestServer start(Path model, UnaryOperator<ServerOptions> settings) {
        // One PyTorch thread: the model is tiny, and the test machine's cores are shared.
        ServerOptions options = settings.apply(
                ServerOptions.of(model, null, "127.0.0.1", 0)
                        .withLoader(weights -> {
                            Torch.setThreads(1);
                            return LlamaModel.load(weights);
                        }));
        ExitstreamServer server = ExitstreamServer.start(options);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!server.isReady()) {
            if (System.nanoTime() > deadline || server.failure().isPresent()) {
                throw new IllegalStateException("the server did not get ready: "
                        + server.failure().orElse("timed out after 60 s"));
            }
            sleep(10);
        }
        return new TestServer(server);
    }

    /**
     * The shipped model under its certified confidence-exit plan, with its exit heads, so that
     * tokens leave at several layers.
     */
    static UnaryOperator<ServerOptions> confidenceExits() {
        Path model = ShippedModel.dir();
        String plan = read(ShippedModel.plan("confidence-0.95.json"));
        return options -> options
                .withPlan(config -> ExecutionPlan.parse(plan, config))
                .withLoader(weights -> {
                    Torch.setThreads(1);
                    LlamaModel loaded = LlamaModel.load(weights);
                    loaded.useExitHeads(ExitHeads.read(ExitHeads.pathFor(model)));
                    return loaded;
                });
    }

    /**
     * Sends {@code pairs} pairs of concurrent completions, so that steps batch, then one
     * request the server refuses (a 405); fails unless every completion answered 200.
     */
    void traffic(int pairs) {
        String body = "{\"model\": \"" + MODEL + "\", \"prompt\": \"Once upon a time\","
                + " \"max_tokens\": 24, \"temperature\": 0.8, \"seed\": %d}";
        for (int i = 0; i < pairs; i++) {
            List<CompletableFuture<HttpResponse<String>>> pair = List.of(
                    client.sendAsync(jsonPost("/v1/completions", body.formatted(2 * i)),
                            HttpResponse.BodyHandlers.ofString()),
                    client.sendAsync(jsonPost("/v1/completions", body.formatted(2 * i + 1)),
                            HttpResponse.BodyHandlers.ofString()));
            for (CompletableFuture<HttpResponse<String>> response : pair) {
                int status = response.join().statusCode();
                if (status != 200) {
                    throw new AssertionError("a completion answered " + status);
                }
            }
        }
        int refused = get("/v1/completions").statusCode();
        if (refused != 405) {
            throw new AssertionError("GET /v1/completions answered " + refused);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(30));
    }

    HttpResponse<String> get(String path) {
        return send(request(path).GET().build());
    }

    HttpResponse<String> post(String path, String json) {
        return send(jsonPost(path, json));
    }

    private HttpRequest jsonPost(String path, String json) {
        return request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }

    /** A completion that must succeed: its JSON response. */
    JsonObject complete(String json) {
        HttpResponse<String> response = post("/v1/completions", json);
        if (response.statusCode() != 200) {
            throw new AssertionError("expected 200, got " + response.statusCode() + ": "
                    + response.body());
        }
        return new JsonObject(response.body());
    }

    /** The text of the only choice of a completion that must succeed. */
    String text(String json) {
        return complete(json).getJsonArray("choices").getJsonObject(0).getString("text");
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpClient client() {
        return client;
    }

    ExitstreamServer server() {
        return server;
    }

    /** The value of one of the model's gauges or counters on /metrics. */
    double metric(String name) {
        String prefix = name + "{model=\"" + MODEL + "\"} ";
        return get("/metrics").body().lines().filter(line -> line.startsWith(prefix))
                .mapToDouble(line -> Double.parseDouble(line.substring(prefix.length())))
                .findFirst().orElseThrow(() -> new AssertionError(name + " is not on /metrics"));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        server.close();
    }
}
