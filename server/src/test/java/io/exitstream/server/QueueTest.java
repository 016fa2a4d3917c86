package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Admission limits on a server with one slot and a queue of one. */
class QueueTest {

    private static final String LONG = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 240,"
            + " \"temperature\": 0}";

    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(options -> options.withBatching(1, 1, Duration.ofSeconds(30)));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aFullQueueIsRefusedWith429AndRetryAfter() {
        List<CompletableFuture<HttpResponse<String>>> responses = IntStream.range(0, 4)
                .mapToObj(i -> CompletableFuture.supplyAsync(
                        () -> server.post("/v1/completions", LONG)))
                .toList();

        List<HttpResponse<String>> done = responses.stream().map(CompletableFuture::join)
                .toList();

        assertThat(done).anySatisfy(r -> {
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            assertThat(r.body()).contains("retry shortly");
        });
        assertThat(done).allMatch(r -> r.statusCode() == 200 || r.statusCode() == 429);
        assertThat(done).anyMatch(r -> r.statusCode() == 200);
    }

    @Test
    void aClientThatHangsUpFreesItsSlot() throws IOException, InterruptedException {
        URI uri = URI.create(server.request("/").build().uri().toString());
        String stream = LONG.replace("}", ", \"stream\": true}");
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + stream.length()
                    + "\r\n\r\n" + stream).getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            String head = new String(in.readNBytes(200), StandardCharsets.UTF_8);
            assertThat(head).startsWith("HTTP/1.1 200").contains("data: ");
        }

        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!server.get("/metrics").body()
                .contains("exitstream_requests_running{model=\"" + TestServer.MODEL + "\"} 0")) {
            assertThat(System.nanoTime()).as("the slot is still taken").isLessThan(deadline);
            Thread.sleep(20);
        }
        // A request that is admitted at once finishes long before 240 tokens could have.
        HttpResponse<String> next = server.post("/v1/completions",
                "{\"prompt\": \"Once\", \"max_tokens\": 3}");
        assertThat(next.statusCode()).isEqualTo(200);
    }
}
