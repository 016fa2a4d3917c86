package io.exitstream.server;

import static org.junit.jupiter.api.Assertions.fail;

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
import java.util.function.UnaryOperator;

/**
 * A real server on a free loopback port serving the repository's own model
 * {@code models/exitstream-stories-8L} (found by walking up from the working directory, so it
 * runs on a fresh clone), and a client for it. Start one per test class.
 */
final class ShippedServer implements AutoCloseable {

    static final String MODEL = "exitstream-stories-8L";

    private final ExitstreamServer server;
    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();

    private ShippedServer(ExitstreamServer server) {
        this.server = server;
    }

    /** The shipped model's directory. */
    static Path model() {
        for (Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath(); dir != null;
                dir = dir.getParent()) {
            Path model = dir.resolve("models").resolve(MODEL);
            if (Files.exists(model.resolve("config.json"))) {
                return model;
            }
        }
        return fail("models/" + MODEL + " not found above " + System.getProperty("user.dir"));
    }

    /** A server with batch 4 and {@code settings} applied; waits until it is ready. */
    static ShippedServer start(UnaryOperator<ServerOptions> settings) {
        ServerOptions options = settings.apply(ServerOptions.of(model(), null, "127.0.0.1", 0)
                .withBatching(4, 64, Duration.ofSeconds(30))
                // One PyTorch thread: the model is small and the machine's cores are shared.
                .withLoader(weights -> {
                    Torch.setThreads(1);
                    return LlamaModel.load(weights);
                }));
        ExitstreamServer server = ExitstreamServer.start(options);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!server.isReady()) {
            if (System.nanoTime() > deadline) {
                server.failure().ifPresent(why -> fail("the server failed: " + why));
                fail("the server did not get ready in 60 s");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return new ShippedServer(server);
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(60));
    }

    HttpResponse<String> get(String path) {
        return send(request(path).GET().build());
    }

    HttpResponse<String> post(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    /** A completion that must succeed: its JSON response. */
    JsonObject complete(String json) {
        HttpResponse<String> response = post("/v1/completions", json);
        if (response.statusCode() != 200) {
            fail("expected 200, got " + response.statusCode() + ": " + response.body());
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

    @Override
    public void close() throws InterruptedException {
        server.close();
    }
}
