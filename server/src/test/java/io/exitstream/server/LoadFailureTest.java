package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.ShippedModel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** A model that fails to load leaves a server that says why, instead of hanging requests. */
class LoadFailureTest {

    @Test
    void requestsAreRefusedWithTheReasonAndReadinessStaysDown() throws Exception {
        ServerOptions options = ServerOptions.of(ShippedModel.dir(), null,
                "127.0.0.1", 0).withLoader(weights -> {
                    throw new IllegalStateException("out of device memory");
                });
        ExitstreamServer server = ExitstreamServer.start(options);
        try {
            HttpClient client = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + server.port();
            HttpResponse<String> refused = null;
            for (int attempt = 0; attempt < 100; attempt++) {
                refused = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Once\"}"))
                        .header("content-type", "application/json").build(),
                        HttpResponse.BodyHandlers.ofString());
                if (refused.body().contains("could not be loaded")) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains("out of device memory");
            HttpResponse<String> ready = client.send(
                    HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(server.isReady()).isFalse();
        } finally {
            server.close();
        }
    }
}
