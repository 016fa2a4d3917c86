package io.exitstream.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.exitstream.server.ExitstreamServer;
import io.exitstream.server.ServerOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The paths the manifests' probes and monitors ask for answer 200 on a real server serving the
 * repository's model, once it is ready.
 */
@Timeout(120)
class ServerProbesTest {

    @Test
    void probedAndScrapedPathsAnswer() throws Exception {
        List<String> paths = new ArrayList<>();
        JsonNode container = Manifests.documents(
                K8sManifestsTest.K8S.resolve("base/server/deployment.yaml")).get(0)
                .at("/spec/template/spec/containers/0");
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            paths.add(container.path(probe).path("httpGet").path("path").asText());
        }
        paths.add(Manifests.documents(K8sManifestsTest.K8S.resolve("base/server/podmonitor.yaml"))
                .get(0).at("/spec/podMetricsEndpoints/0/path").asText());

        Path model = K8sManifestsTest.ROOT.resolve("models/exitstream-stories-8L");
        try (ExitstreamServer server = ExitstreamServer.start(
                ServerOptions.of(model, null, "127.0.0.1", 0))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!server.isReady() && server.failure().isEmpty()
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(server.isReady()).as("ready: %s", server.failure()).isTrue();
            HttpClient client = HttpClient.newHttpClient();
            for (String path : paths) {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + server.port() + path))
                                .timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(path).isEqualTo(200);
            }
        }
    }
}
