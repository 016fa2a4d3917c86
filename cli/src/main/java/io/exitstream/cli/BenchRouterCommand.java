package io.exitstream.cli;

import com.google.gson.GsonBuilder;
import io.exitstream.router.ExitstreamRouter;
import io.exitstream.router.ReplicaAddress;
import io.exitstream.router.RouterConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The router's added latency, as JSON on stdout: streaming clients against a steady stub
 * replica, directly and through the router in front of it, at each concurrency; time to first
 * token and inter-token latency p50/p99 both ways and their difference.
 */
@Command(name = "router", mixinStandardHelpOptions = true,
        description = "Measure the latency the router adds: streaming clients against a stub"
                + " replica directly and through the router, per concurrency; time to first"
                + " token and per chunk, p50 and p99; prints JSON.")
final class BenchRouterCommand implements Callable<Integer> {

    @Option(names = "--concurrency", split = ",", defaultValue = "1,32",
            description = "Concurrent streaming clients (default: ${DEFAULT-VALUE}).")
    private int[] concurrency;

    @Option(names = "--requests", defaultValue = "256",
            description = "Requests per concurrency and way, at least one per client"
                    + " (default: ${DEFAULT-VALUE}).")
    private int requests;

    @Option(names = "--tokens", defaultValue = "32",
            description = "Chunks each stream has (default: ${DEFAULT-VALUE}).")
    private int tokens;

    @Option(names = "--interval-ms", defaultValue = "5",
            description = "The stub's time between chunks (default: ${DEFAULT-VALUE}).")
    private int intervalMs;

    @Override
    public Integer call() throws Exception {
        BenchCommand.requirePositive("--requests", requests);
        BenchCommand.requirePositive("--tokens", tokens);
        BenchCommand.requirePositive("--interval-ms", intervalMs);
        Arrays.stream(concurrency).forEach(c -> BenchCommand.requirePositive("--concurrency", c));
        List<Map<String, Object>> levels = new ArrayList<>();
        try (SseStub stub = new SseStub(Duration.ofMillis(intervalMs));
                ExitstreamRouter router = startRouter(stub.port())) {
            StreamingLoad direct = new StreamingLoad("bench router (direct)",
                    "http://127.0.0.1:" + stub.port(), "x", tokens, List.of());
            StreamingLoad routed = new StreamingLoad("bench router (routed)",
                    "http://127.0.0.1:" + router.port(), "x", tokens, List.of());
            direct.warmUp();
            routed.warmUp();
            // A round at the highest concurrency, untimed: both ways' connections and the
            // JIT's compiled code are then in place before anything is measured.
            int highest = Arrays.stream(concurrency).max().orElseThrow();
            direct.run(highest, 4 * highest);
            routed.run(highest, 4 * highest);
            for (int c : concurrency) {
                int n = Math.max(requests, c);
                Map<String, Object> level = new LinkedHashMap<>();
                level.put("concurrency", c);
                Map<String, Object> straight = direct.run(c, n);
                Map<String, Double> before = ownTimes(router.port());
                Map<String, Object> through = routed.run(c, n);
                Map<String, Double> after = ownTimes(router.port());
                level.put("direct", straight);
                level.put("routed", through);
                level.put("added_ttft_ms", difference(through, straight, "ttft_ms"));
                level.put("added_itl_ms", difference(through, straight, "itl_ms"));
                // The router's own view: its work before sending upstream, and the wait for
                // the stub's headers as its event loop saw it (queueing included).
                for (String name : List.of("added_latency", "upstream_ttfb")) {
                    double count = after.get(name + "_count") - before.get(name + "_count");
                    double sum = after.get(name + "_sum") - before.get(name + "_sum");
                    level.put("router_" + name + "_mean_ms",
                            Math.round(sum / Math.max(1, count) * 1e5) / 100.0);
                }
                levels.add(level);
            }
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("upstream", "in-process stub, one chunk every " + intervalMs + " ms");
        report.put("tokens_per_request", tokens);
        report.put("cores", Runtime.getRuntime().availableProcessors());
        report.put("levels", levels);
        System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(report));
        return 0;
    }

    private static ExitstreamRouter startRouter(int stubPort) {
        List<ReplicaAddress> stub = List.of(new ReplicaAddress("127.0.0.1", stubPort));
        return ExitstreamRouter.start(RouterConfig.ofReplicas("127.0.0.1", 0, SseStub.MODEL,
                stub), () -> RouterConfig.ofReplicas("127.0.0.1", 0, SseStub.MODEL, stub));
    }

    /**
     * The sums and counts of the router's added-latency and upstream-TTFB timers, from its
     * {@code /metrics}, keyed {@code added_latency_sum} and so on.
     */
    private static Map<String, Double> ownTimes(int port) throws Exception {
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        Map<String, Double> times = new LinkedHashMap<>();
        for (String name : List.of("added_latency", "upstream_ttfb")) {
            for (String part : List.of("sum", "count")) {
                String prefix = "exitstream_router_" + name + "_seconds_" + part;
                times.put(name + "_" + part, metrics.body().lines()
                        .filter(line -> line.startsWith(prefix + " ")
                                || line.startsWith(prefix + "{"))
                        .mapToDouble(line -> Double.parseDouble(
                                line.substring(line.lastIndexOf(' ') + 1)))
                        .sum());
            }
        }
        return times;
    }

    /** Routed minus direct for p50 and p99 of {@code key}, in ms. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> difference(Map<String, Object> routed,
            Map<String, Object> direct, String key) {
        Map<String, Object> through = (Map<String, Object>) routed.get(key);
        Map<String, Object> straight = (Map<String, Object>) direct.get(key);
        Map<String, Object> out = new LinkedHashMap<>();
        for (String p : List.of("p50", "p99")) {
            if (through.get(p) instanceof Double a && straight.get(p) instanceof Double b) {
                out.put(p, Math.round((a - b) * 100) / 100.0);
            }
        }
        return out;
    }
}
