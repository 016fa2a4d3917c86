package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What Prometheus and Grafana read from {@code /metrics} over real HTTP after some traffic:
 * HELP on every family, integer buckets for integer quantities, and the JVM's own metrics.
 */
@Timeout(180)
class MetricsExpositionTest {

    private static final Pattern HELP = Pattern.compile("# HELP (\\S+) ?(.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (\\S+) (\\S+)");
    private static final Pattern LE = Pattern.compile("le=\"([^\"]+)\"");

    private static final int LAYERS = 8;
    private static final int MAX_BATCH = 4;

    private static TestServer server;
    private static String metrics;

    @BeforeAll
    static void serveAndScrape() throws IOException, InterruptedException {
        server = TestServer.start(options -> TestServer.confidenceExits()
                .apply(options.withBatching(MAX_BATCH, 64, Duration.ofSeconds(30))));
        server.traffic(3);
        metrics = server.get("/metrics").body();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void everyExitstreamFamilyHasHelp() {
        Map<String, String> help = new TreeMap<>();
        metrics.lines().map(HELP::matcher).filter(Matcher::matches)
                .forEach(m -> help.put(m.group(1), m.group(2).strip()));
        Set<String> families = metrics.lines().map(TYPE::matcher).filter(Matcher::matches)
                .map(m -> m.group(1)).filter(name -> name.startsWith("exitstream_"))
                .collect(Collectors.toSet());

        assertThat(families).contains("exitstream_time_to_first_token_seconds",
                "exitstream_inter_token_latency_seconds", "exitstream_request_duration_seconds",
                "exitstream_queue_wait_seconds", "exitstream_requests_running",
                "exitstream_requests_waiting", "exitstream_plan_version",
                "exitstream_token_exit_layer", "exitstream_layers_executed_per_token",
                "exitstream_batch_size");
        assertThat(families).allSatisfy(family -> assertThat(help.get(family))
                .as("HELP of %s", family).isNotBlank());
    }

    @Test
    void integerHistogramsHaveABucketPerInteger() {
        assertThat(bounds("exitstream_token_exit_layer"))
                .isEqualTo(integers(0, LAYERS - 1));
        assertThat(bounds("exitstream_layers_executed_per_token"))
                .isEqualTo(integers(0, LAYERS));
        assertThat(bounds("exitstream_batch_size"))
                .isEqualTo(integers(1, MAX_BATCH));
    }

    @Test
    void latencyHistogramsHaveAFewSloBuckets() {
        assertThat(bounds("exitstream_time_to_first_token_seconds"))
                .hasSizeBetween(8, 20).contains("0.1", "0.5", "1", "+Inf");
        assertThat(bounds("exitstream_inter_token_latency_seconds"))
                .hasSizeBetween(8, 20).contains("0.01", "0.05", "+Inf");
    }

    @Test
    void countsTrafficByKind() {
        String model = "model=\"" + TestServer.MODEL + "\"";
        assertThat(metrics).containsPattern("exitstream_prompt_tokens_total\\{" + model
                + "} [1-9]");
        assertThat(metrics).containsPattern("exitstream_requests_finished_total\\{"
                + "finish_reason=\"length\"," + model + "} 6");
        assertThat(metrics).containsPattern("exitstream_api_responses_total\\{" + model
                + ",status=\"200\"} 6");
        assertThat(metrics).containsPattern("exitstream_api_responses_total\\{" + model
                + ",status=\"405\"} 1");
        assertThat(metrics).contains("exitstream_model_layers{" + model + "} 8");
        assertThat(metrics).contains("exitstream_speculative_drafted_tokens_total{" + model,
                "exitstream_speculative_accepted_tokens_total{" + model);
    }

    @Test
    void jvmAndProcessMetricsAreServed() {
        assertThat(metrics).contains("jvm_memory_used_bytes{", "jvm_threads_live_threads",
                "jvm_classes_loaded_classes", "jvm_gc_", "process_uptime_seconds",
                "process_cpu_usage", "system_cpu_count");
    }

    /** The {@code le} bounds of one histogram, in order, as Prometheus prints them. */
    private static Set<String> bounds(String family) {
        return metrics.lines().filter(line -> line.startsWith(family + "_bucket{"))
                .map(LE::matcher).filter(Matcher::find).map(m -> normal(m.group(1)))
                .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
    }

    /** "1.0" and "1" are the same bound: compare as Prometheus parses them. */
    private static String normal(String bound) {
        if (bound.equals("+Inf")) {
            return bound;
        }
        return new java.math.BigDecimal(bound).stripTrailingZeros().toPlainString();
    }

    private static Set<String> integers(int from, int to) {
        Set<String> expected = IntStream.rangeClosed(from, to).mapToObj(Integer::toString)
                .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
        expected.add("+Inf");
        return expected;
    }
}
