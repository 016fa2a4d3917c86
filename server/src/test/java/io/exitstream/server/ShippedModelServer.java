package io.exitstream.server;

import io.exitstream.engine.exits.ExitHeads;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;
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

/**
 * A real server on a free loopback port serving the repository's own model under its
 * confidence-exit plan (so tokens leave at several layers), and a little traffic for it.
 */
final class ShippedModelServer implements AutoCloseable {

    static final String MODEL = "exitstream-stories-8L";
    static final int LAYERS = 8;
    static final int MAX_BATCH = 4;

    private final ExitstreamServer server;
    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();

    private ShippedModelServer(ExitstreamServer server) {
        this.server = server;
    }

    /** The shipped model's directory, found by walking up from the working directory. */
    static Path model() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path model = dir.resolve("models").resolve(MODEL);
            if (Files.exists(model.resolve("config.json"))) {
                return model;
            }
        }
        throw new IllegalStateException("models/" + MODEL + " not found above "
                + Path.of("").toAbsolutePath());
    }

    /** Starts the server and waits (at most 60 s) until it is ready. */
    static ShippedModelServer start() {
        Path model = model();
        String plan = read(model.resolve("plans/confidence-0.95.json"));
        ServerOptions options = ServerOptions.of(model, null, "127.0.0.1", 0)
                .withBatching(MAX_BATCH, 64, Duration.ofSeconds(30))
                .withPlan(config -> ExecutionPlan.parse(plan, config))
                .withLoader(weights -> {
                    // One PyTorch thread: the model is small and the machine's cores shared.
                    Torch.setThreads(1);
                    LlamaModel loaded = LlamaModel.load(weights);
                    loaded.useExitHeads(ExitHeads.read(ExitHeads.pathFor(model)));
                    return loaded;
                });
        ExitstreamServer server = ExitstreamServer.start(options);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try {
            while (!server.isReady()) {
                if (System.nanoTime() > deadline || server.failure().isPresent()) {
                    throw new IllegalStateException("the server did not get ready: "
                            + server.failure().orElse("timed out after 60 s"));
                }
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return new ShippedModelServer(server);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return server.port();
    }

    /**
     * Sends {@code pairs} pairs of concurrent completions, so that steps batch, then one
     * request the server refuses (a 405); fails unless every completion answered 200.
     */
    void traffic(int pairs) throws IOException, InterruptedException {
        String body = "{\"model\": \"" + MODEL + "\", \"prompt\": \"Once upon a time\","
                + " \"max_tokens\": 24, \"temperature\": 0.8, \"seed\": %d}";
        for (int i = 0; i < pairs; i++) {
            List<CompletableFuture<HttpResponse<String>>> pair = List.of(
                    client.sendAsync(post("/v1/completions", body.formatted(2 * i)),
                            HttpResponse.BodyHandlers.ofString()),
                    client.sendAsync(post("/v1/completions", body.formatted(2 * i + 1)),
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

    private HttpRequest post(String path, String json) {
        return request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
                .timeout(Duration.ofSeconds(60));
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws InterruptedException {
        server.close();
    }
}
