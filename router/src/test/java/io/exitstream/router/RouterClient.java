package io.exitstream.router;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/** Blocking HTTP calls for tests, with timeouts, and a bounded wait for a condition. */
final class RouterClient {

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final int port;

    RouterClient(int port) {
        this.port = port;
    }

    HttpResponse<String> get(String path, String... headers) {
        return send(builder(path, headers).GET().build());
    }

    HttpResponse<String> post(String path, String json, String... headers) {
        return send(builder(path, headers).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    /** A completion request for {@code model}. */
    HttpResponse<String> complete(String model, boolean stream, String... headers) {
        return post("/v1/completions", "{\"model\":\"" + model + "\",\"prompt\":\"Once\","
                + "\"max_tokens\":8,\"stream\":" + stream + "}", headers);
    }

    /** The admin API's list of replicas, as JSON text. */
    String replicas() {
        return get("/admin/replicas", "Authorization", "Bearer " + RouterFixture.ADMIN_KEY)
                .body();
    }

    private HttpRequest.Builder builder(String path, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            builder.headers(headers);
        }
        return builder;
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(request.uri() + ": " + e, e);
        }
    }

    /** Waits up to {@code limit} for {@code condition}; false when it never held. */
    static boolean eventually(Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
