package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * 32 clients for a minute over loopback against a server with 8 slots and a queue of 8: mixed
 * streaming and JSON requests, clients hanging up mid-stream. Every reply must be a well-formed
 * completion or a 429 with Retry-After; afterwards the server still serves, and neither the
 * heap nor the process's native memory has grown. Part of {@code mvn verify}; exclude it with
 * {@code -DexcludedGroups=load} while iterating on something else.
 */
@Tag("load")
class LoadTest {

    private static final int CLIENTS = 32;
    private static final Duration RUN = Duration.ofSeconds(60);
    private static final Duration FIRST_SAMPLE = Duration.ofSeconds(10);
    private static final int MAX_REQUESTS = 50_000;
    private static final long HEAP_MARGIN = 32L << 20;
    private static final long RSS_MARGIN = 64L << 20;

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger hungUp = new AtomicInteger();
    private final AtomicInteger tokens = new AtomicInteger();
    private final Queue<String> errors = new ConcurrentLinkedQueue<>();

    @Test
    void thirtyTwoClientsForAMinute() throws Exception {
        try (TestServer server = TestServer.start(options -> options
                .withBatching(8, 8, Duration.ofSeconds(30)))) {
            long end = System.nanoTime() + RUN.toNanos();
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(pool.submit(() -> client(server, end)));
            }
            Thread.sleep(FIRST_SAMPLE.toMillis());
            Memory early = Memory.sample();
            for (Future<?> c : clients) {
                c.get(RUN.toSeconds() + 60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            awaitIdle(server);
            Memory late = Memory.sample();

            assertThat(errors).as("errors other than 429").isEmpty();
            assertThat(completed.get()).as("completed").isGreaterThan(200);
            assertThat(refused.get()).as("429s with Retry-After").isPositive();
            assertThat(hungUp.get()).as("clients that hung up").isPositive();
            assertThat(Completion.ofJson(server.post("/v1/completions",
                    "{\"prompt\": \"Once\", \"max_tokens\": 5}").body()).completionTokens())
                    .isEqualTo(5);
            assertThat(late.heap()).as("heap after GC, %s then %s", early, late)
                    .isLessThan(early.heap() + HEAP_MARGIN);
            assertThat(late.rss()).as("resident memory, %s then %s", early, late)
                    .isLessThan(early.rss() + RSS_MARGIN);
            System.out.printf("load: %d requests, %d completed (%d tokens), %d refused with 429,"
                    + " %d hung up; %s at 10 s, %s at the end%n", sent.get(), completed.get(),
                    tokens.get(), refused.get(), hungUp.get(), early, late);
        }
    }

    /** One client: requests back to back until the run ends or the cap is reached. */
    private void client(TestServer server, long end) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (System.nanoTime() < end && sent.incrementAndGet() <= MAX_REQUESTS) {
            boolean stream = random.nextBoolean();
            int maxTokens = random.nextInt(1, 64);
            String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": " + maxTokens
                    + ", \"temperature\": " + random.nextInt(0, 11) / 10.0 + ", \"seed\": "
                    + random.nextInt(1000) + (stream ? ", \"stream\": true, \"stream_options\":"
                    + " {\"include_usage\": true}" : "") + "}";
            // One stream in four is abandoned after a few events.
            int hangUpAfter = stream && random.nextInt(4) == 0 ? random.nextInt(1, 200) : -1;
            try {
                request(server, body, maxTokens, hangUpAfter);
            } catch (IOException | RuntimeException | AssertionError e) {
                errors.add(e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void request(TestServer server, String body, int maxTokens, int hangUpAfter)
            throws IOException, InterruptedException {
        HttpRequest request = server.request("/v1/completions")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<InputStream> response = client.send(request,
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            if (response.statusCode() == 429) {
                assertThat(response.headers().firstValue("Retry-After")).isPresent();
                in.readAllBytes();
                refused.incrementAndGet();
                Thread.sleep(ThreadLocalRandom.current().nextInt(10, 100));
                return;
            }
            assertThat(response.statusCode()).as(body).isEqualTo(200);
            if (hangUpAfter > 0) {
                in.readNBytes(hangUpAfter);
                hungUp.incrementAndGet();
                return; // closing the body stream drops the connection
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            boolean stream = response.headers().firstValue("Content-Type").orElse("")
                    .startsWith("text/event-stream");
            Completion completion = stream ? Completion.ofStream(text) : Completion.ofJson(text);
            assertThat(completion.usage()).as(text).isNotNull();
            assertThat(completion.completionTokens()).isBetween(1, maxTokens);
            assertThat(completion.finishReason()).isIn("stop", "length");
            completed.incrementAndGet();
            tokens.addAndGet(completion.completionTokens());
        }
    }

    /** Waits until every abandoned request has left the batch. */
    private static void awaitIdle(TestServer server) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.metric("exitstream_requests_running") > 0
                || server.metric("exitstream_requests_waiting") > 0) {
            assertThat(System.nanoTime()).as("the server did not go idle").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** Heap in use after a full GC, and the process's resident set (heap and native). */
    private record Memory(long heap, long rss) {

        static Memory sample() throws IOException, InterruptedException {
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(100);
            }
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            long rss = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("VmRSS:"))
                    .mapToLong(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024)
                    .findFirst().orElseThrow();
            return new Memory(heap, rss);
        }

        @Override
        public String toString() {
            return String.format("heap %d MiB, RSS %d MiB", heap >> 20, rss >> 20);
        }
    }
}
