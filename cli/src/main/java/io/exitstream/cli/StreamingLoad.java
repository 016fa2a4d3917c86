package io.exitstream.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Streaming clients against an OpenAI-compatible {@code /v1/completions}: {@code concurrency}
 * clients send {@code requests} in all, back to back, each {@code tokens} long, and time every
 * token as it arrives. Reports aggregate tokens/s, time to first token and inter-token latency.
 */
final class StreamingLoad {

    /** What the clients saw, merged. */
    private static final class Tally {
        final List<Double> ttftMs = Collections.synchronizedList(new ArrayList<>());
        final List<Double> itlMs = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger tokens = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        final List<String> errorSamples = Collections.synchronizedList(new ArrayList<>());
    }

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    private final String label;
    private final URI completions;
    /** The request bodies, used in turn: one per quality class of the mix. */
    private final List<String> bodies;

    /**
     * @param label what progress lines start with, e.g. {@code bench serve}
     * @param baseUrl the server, e.g. {@code http://127.0.0.1:8080}
     * @param prompt every request's prompt
     * @param tokens every request's max_tokens; EOS is ignored so that each makes that many
     * @param classes quality classes the requests choose in turn, an even mix (none: the
     *     server's plan)
     */
    StreamingLoad(String label, String baseUrl, String prompt, int tokens,
            List<String> classes) {
        this.label = label;
        this.completions = URI.create(baseUrl.replaceAll("/+$", "") + "/v1/completions");
        List<String> made = new ArrayList<>();
        for (String quality : classes.isEmpty() ? Collections.<String>singletonList(null)
                : classes) {
            JsonObject request = new JsonObject();
            request.addProperty("prompt", prompt);
            request.addProperty("max_tokens", tokens);
            request.addProperty("temperature", 0);
            request.addProperty("ignore_eos", true);
            request.addProperty("stream", true);
            if (quality != null) {
                JsonObject extension = new JsonObject();
                extension.addProperty("quality", quality);
                request.add("exitstream", extension);
            }
            made.add(request.toString());
        }
        this.bodies = List.copyOf(made);
    }

    /** One request, untimed: the first one pays for connections and lazy initialisation. */
    void warmUp() throws InterruptedException {
        Tally tally = new Tally();
        for (String body : bodies) {
            send(tally, body);
        }
        if (tally.errors.get() > 0) {
            throw new IllegalStateException(completions + " did not answer the warm-up"
                    + " request: " + tally.errorSamples.get(0));
        }
    }

    Map<String, Object> run(int concurrency, int requests) throws Exception {
        Tally tally = new Tally();
        AtomicInteger left = new AtomicInteger(requests);
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long start = System.nanoTime();
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < concurrency; c++) {
                clients.add(pool.submit(() -> {
                    for (int next; (next = left.getAndDecrement()) > 0; ) {
                        send(tally, bodies.get(next % bodies.size()));
                        int n = done.incrementAndGet();
                        if (n % Math.max(1, requests / 4) == 0 || n == requests) {
                            System.err.printf("%s: concurrency %d, %d/%d requests%n",
                                    label, concurrency, n, requests);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> c : clients) {
                c.get();
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("concurrency", concurrency);
        out.put("requests", requests);
        out.put("errors", tally.errors.get());
        if (!tally.errorSamples.isEmpty()) {
            out.put("first_error", tally.errorSamples.get(0));
        }
        out.put("completion_tokens", tally.tokens.get());
        out.put("seconds", Math.round(seconds * 1000) / 1000.0);
        out.put("tokens_per_s", Math.round(tally.tokens.get() / seconds * 10) / 10.0);
        out.put("ttft_ms", percentiles(tally.ttftMs));
        out.put("itl_ms", percentiles(tally.itlMs));
        return out;
    }

    /** Sends one streaming request and times its tokens; failures are counted, not thrown. */
    private void send(Tally tally, String body) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(completions)
                .header("Content-Type", "application/json").timeout(Duration.ofMinutes(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long sent = System.nanoTime();
        List<Double> gaps = new ArrayList<>();
        double ttft = -1;
        int tokens = 0;
        try {
            HttpResponse<InputStream> response = client.send(request,
                    HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(
                    response.body(), StandardCharsets.UTF_8))) {
                if (response.statusCode() != 200) {
                    throw new IOException("HTTP " + response.statusCode() + ": "
                            + lines.readLine());
                }
                long last = sent;
                boolean finished = false;
                for (String line; (line = lines.readLine()) != null; ) {
                    if (!line.startsWith("data: {")) {
                        finished |= line.equals("data: [DONE]");
                        continue;
                    }
                    int made = exitLayers(line);
                    if (made > 0) {
                        long now = System.nanoTime();
                        if (tokens == 0) {
                            ttft = (now - sent) / 1e6;
                        } else {
                            gaps.add((now - last) / 1e6);
                        }
                        last = now;
                        tokens += made;
                    }
                }
                if (!finished) {
                    throw new IOException("the stream ended without data: [DONE]");
                }
            }
        } catch (IOException | RuntimeException e) {
            tally.errors.incrementAndGet();
            tally.errorSamples.add(e.toString());
            return;
        }
        tally.tokens.addAndGet(tokens);
        if (ttft >= 0) {
            tally.ttftMs.add(ttft);
        }
        tally.itlMs.addAll(gaps);
    }

    /** Tokens in a chunk: the length of its exit-layer list (0 for the finishing chunk). */
    private static int exitLayers(String line) {
        JsonObject chunk = JsonParser.parseString(line.substring("data: ".length()))
                .getAsJsonObject();
        if (chunk.has("error")) {
            throw new IllegalStateException(chunk.get("error").toString());
        }
        return chunk.getAsJsonArray("choices").get(0).getAsJsonObject()
                .getAsJsonObject("exitstream").getAsJsonArray("exit_layers").size();
    }

    private static Map<String, Object> percentiles(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("p50", percentile(sorted, 0.50));
        out.put("p99", percentile(sorted, 0.99));
        out.put("samples", sorted.size());
        return out;
    }

    /** Nearest-rank percentile, rounded to 0.01 ms; null without samples. */
    private static Double percentile(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return null;
        }
        int rank = (int) Math.ceil(p * sorted.size());
        return Math.round(sorted.get(Math.max(0, rank - 1)) * 100) / 100.0;
    }
}
