package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.exitstream.protos.Topics;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every PromQL expression of every dashboard panel and variable in {@code grafana/dashboards},
 * and every rule in {@code grafana/rules}, evaluated by a real Prometheus (Debian's, from the
 * PATH) that scrapes {@code exitstream up} (server, broker, re-scheduler) under a little
 * traffic: each must parse, and each one over metrics the processes serve must return data.
 * The server is also sent one unreadable schedule record, so that its rejected-records panel
 * has data. Only the Kafka Exporter's consumer lag is not scraped here: its panel only has to
 * parse. Skipped, saying so, where no {@code prometheus} is installed ({@code .ci/run}
 * installs it).
 */
@Timeout(300)
class PrometheusQueriesTest {

    private static final String JOB = "exitstream-server";
    /** Names that look like metrics in an expression (PromQL functions are followed by "("). */
    private static final Pattern METRIC = Pattern.compile(
            "\\b((?:exitstream|jvm|process|system|kafka)_[a-z0-9_]+)\\b(?!\\s*\\()");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.*),\\s*\\w+\\)");

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();
    private int prometheusPort;

    @Test
    void everyDashboardAndRuleExpressionParsesAndReturnsData(@TempDir Path dir)
            throws Exception {
        Path prometheus = onPath("prometheus");
        assumeTrue(prometheus != null, "skipped: no prometheus on the PATH (Debian: apt-get"
                + " install prometheus; .ci/run does)");
        Path root = UpProcess.checkout();
        // The confidence-exit plan: tokens leave at several layers, so the heatmap has rows.
        UpProcess up = UpProcess.start(dir, Files.createDirectory(dir.resolve("java-tmp")),
                "--plan", root.resolve("models/exitstream-stories-8L/plans/confidence-0.95.json")
                        .toString());
        try {
            Process process = startPrometheus(prometheus, root, up, dir);
            try {
                awaitData("up{job=\"" + JOB + "\"} == 1", Duration.ofSeconds(60));
                // Traffic until the re-scheduler has judged a candidate and Prometheus saw it.
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (!hasData("exitstream_schedule_candidate_agreement_count")) {
                    assertThat(System.nanoTime()).as("no decision in 120 s").isLessThan(deadline);
                    HttpResponse<String> reply = up.complete(16);
                    assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
                }
                assertThat(up.get(up.port, "/v1/completions").statusCode()).isEqualTo(405);
                sendUnreadableSchedule(up.bootstrap());
                // Rates need samples after the traffic too; rules need an evaluation.
                awaitData("exitstream_api_responses_total{status=\"405\"}",
                        Duration.ofSeconds(30));
                awaitData("exitstream_schedule_records_rejected_total", Duration.ofSeconds(30));
                Thread.sleep(3_000);
                check(root, "127.0.0.1:" + up.port);
            } finally {
                process.destroy();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        } finally {
            assertThat(up.stop()).as("up stops on SIGTERM").isTrue();
        }
    }

    private void check(Path root, String instance) throws Exception {
        Set<String> served = servedNames();
        assertThat(served).contains("exitstream_tokens_generated_total", "jvm_threads_live_threads",
                "exitstream_telemetry_sent_total", "exitstream_schedule_records_rejected_total",
                "exitstream_schedule_decisions_total",
                "exitstream_schedule_candidate_agreement_count");
        Map<String, String> expressions = dashboardExpressions(root.resolve("grafana/dashboards"));
        expressions.putAll(ruleExpressions());
        assertThat(expressions).hasSizeGreaterThan(40);

        List<String> failures = new ArrayList<>();
        int withData = 0;
        for (Map.Entry<String, String> entry : expressions.entrySet()) {
            String expr = entry.getValue()
                    .replace("$__rate_interval", "20s").replace("$__range", "5m")
                    .replace("$model", DefaultModel.NAME).replace("$instance", instance)
                    .replace("$job", JOB);
            JsonObject answer = query(expr);
            if (!"success".equals(answer.get("status").getAsString())) {
                failures.add(entry.getKey() + ": " + answer.get("error") + " in " + expr);
                continue;
            }
            boolean hasData = !answer.getAsJsonObject("data").getAsJsonArray("result").isEmpty();
            Set<String> needed = metricsIn(expr);
            if (hasData) {
                withData++;
            } else if (served.containsAll(needed) && !entry.getKey().startsWith("alert ")) {
                failures.add(entry.getKey() + ": no data, though Prometheus holds " + needed
                        + ": " + expr);
            }
        }
        assertThat(failures).isEmpty();
        assertThat(withData).as("expressions with data").isGreaterThan(30);
    }

    /** Panel targets and query variables of every dashboard, by "file: panel title". */
    private static Map<String, String> dashboardExpressions(Path dir) throws IOException {
        Map<String, String> expressions = new LinkedHashMap<>();
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(file -> file.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(files).extracting(file -> file.getFileName().toString())
                .contains("serving.json", "early-exit.json", "loop.json", "jvm.json");
        for (Path file : files) {
            JsonObject board = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            String name = file.getFileName().toString();
            JsonArray variables = board.getAsJsonObject("templating").getAsJsonArray("list");
            for (JsonElement variable : variables) {
                JsonObject v = variable.getAsJsonObject();
                if (v.get("type").getAsString().equals("query")) {
                    Matcher m = LABEL_VALUES.matcher(v.get("definition").getAsString());
                    assertThat(m.matches()).as("%s: $%s", name, v.get("name")).isTrue();
                    expressions.put(name + ": $" + v.get("name").getAsString(), m.group(1));
                }
            }
            for (JsonElement panel : board.getAsJsonArray("panels")) {
                JsonObject p = panel.getAsJsonObject();
                assertThat(p.getAsJsonObject("datasource").get("uid").getAsString())
                        .isEqualTo("${datasource}");
                JsonArray targets = p.getAsJsonArray("targets");
                for (int i = 0; i < targets.size(); i++) {
                    expressions.put(name + ": " + p.get("title").getAsString() + " #" + i,
                            targets.get(i).getAsJsonObject().get("expr").getAsString());
                }
            }
        }
        return expressions;
    }

    /**
     * The rules as the running Prometheus loaded them: every rule healthy, recording rules by
     * the name they record, alerts as "alert NAME" (an alert's condition is empty until it
     * fires: it only has to parse here; exitstream.rules.test.yml tests when it fires).
     */
    private Map<String, String> ruleExpressions() throws Exception {
        JsonArray groups = get("/api/v1/rules").getAsJsonObject("data").getAsJsonArray("groups");
        Map<String, String> expressions = new LinkedHashMap<>();
        for (JsonElement group : groups) {
            for (JsonElement element : group.getAsJsonObject().getAsJsonArray("rules")) {
                JsonObject rule = element.getAsJsonObject();
                String name = rule.get("name").getAsString();
                assertThat(rule.get("health").getAsString()).as("%s: %s", name,
                        rule.get("lastError")).isEqualTo("ok");
                boolean alert = rule.get("type").getAsString().equals("alerting");
                expressions.put((alert ? "alert " : "rule ") + name,
                        rule.get("query").getAsString());
                if (!alert) {
                    expressions.put("recorded " + name, name);
                }
            }
        }
        assertThat(groups).hasSize(2);
        return expressions;
    }

    /** A record on the schedules topic that is no SkipSchedule: the server counts it. */
    private static void sendUnreadableSchedule(String bootstrap) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.SCHEDULES, DefaultModel.NAME,
                    new byte[] {(byte) 0xff, 1, 2})).get();
        }
    }

    /** Every metric name Prometheus holds from the scrapes of server and re-scheduler. */
    private Set<String> servedNames() throws Exception {
        JsonObject answer = query("count by (__name__) ({job=~\"exitstream-.*\"})");
        Set<String> names = new TreeSet<>();
        for (JsonElement series : answer.getAsJsonObject("data").getAsJsonArray("result")) {
            names.add(series.getAsJsonObject().getAsJsonObject("metric").get("__name__")
                    .getAsString());
        }
        return names;
    }

    /** Metrics an expression reads; names a rule records count as served when their inputs are. */
    private static Set<String> metricsIn(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private Process startPrometheus(Path binary, Path root, UpProcess up, Path dir)
            throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            prometheusPort = socket.getLocalPort();
        }
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                  - job_name: %s
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(root.resolve("grafana/rules/exitstream.rules.yml"), JOB, up.port));
        return new ProcessBuilder(binary.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + prometheusPort, "--log.level=warn")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
    }

    private boolean hasData(String expr) throws Exception {
        try {
            return !query(expr).getAsJsonObject("data").getAsJsonArray("result").isEmpty();
        } catch (IOException notUpYet) {
            return false;
        }
    }

    /** Polls a query until it returns a series; Prometheus may still be starting. */
    private void awaitData(String expr, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!hasData(expr)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Prometheus had no " + expr + " after " + timeout);
            }
            Thread.sleep(250);
        }
    }

    private JsonObject query(String expr) throws Exception {
        return get("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
    }

    /** A Prometheus API answer; errors (400 for a bad expression) come back as JSON too. */
    private JsonObject get(String path) throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + prometheusPort + path))
                        .timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return JsonParser.parseString(response.body()).getAsJsonObject();
    }

    /** The executable {@code name} on the PATH, or null. */
    static Path onPath(String name) {
        Predicate<Path> executable = Files::isExecutable;
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .filter(entry -> !entry.isEmpty()).map(entry -> Path.of(entry, name))
                .filter(executable).findFirst().orElse(null);
    }
}
