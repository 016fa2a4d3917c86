package io.exitstream.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonParser;
import io.exitstream.compression.DecodeSpeed;
import io.exitstream.broker.EmbeddedKafka;
import io.exitstream.broker.TopicSetup;
import io.exitstream.engine.runtime.TokenReport;
import io.exitstream.server.ExitstreamServer;
import io.exitstream.server.KafkaOptions;
import io.exitstream.server.KafkaTelemetry;
import io.exitstream.server.ServerOptions;
import io.exitstream.server.TokenSample;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The telemetry pipeline's cost, as JSON on stdout, against an in-process broker: (a) token
 * events per second the server's producer delivers, (b) a real server's decode tokens/s under
 * concurrent HTTP load with telemetry on and off. Medians of several runs after a warm-up; the
 * on and off runs alternate so that a drifting machine affects both alike.
 */
@Command(name = "telemetry", mixinStandardHelpOptions = true,
        description = "Measure telemetry events/s into an in-process Kafka broker and the"
                + " server's tokens/s with telemetry on vs off; prints JSON.")
final class BenchTelemetryCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "Model the server decodes with (llama2.c .bin or HF directory).")
    private Path model;

    @Option(names = "--events", defaultValue = "500000",
            description = "Token events per pipeline run (default: ${DEFAULT-VALUE}).")
    private int events;

    @Option(names = "--seconds", defaultValue = "5",
            description = "Length of each serving run (default: ${DEFAULT-VALUE}).")
    private int seconds;

    @Option(names = "--clients", defaultValue = "8",
            description = "Concurrent HTTP clients in the serving runs"
                    + " (default: ${DEFAULT-VALUE}).")
    private int clients;

    @Option(names = "--max-tokens", defaultValue = "128",
            description = "Tokens per completion in the serving runs"
                    + " (default: ${DEFAULT-VALUE}).")
    private int maxTokens;

    @Option(names = "--max-batch", defaultValue = "8",
            description = "The server's batch size (default: ${DEFAULT-VALUE}).")
    private int maxBatch;

    @Option(names = "--runs", defaultValue = "5",
            description = "Timed runs per figure; the median is reported"
                    + " (default: ${DEFAULT-VALUE}).")
    private int runs;

    @Mixin
    private RuntimeOptions runtime;

    /** Telemetry on means what serve --kafka does: influence sampled on some tokens. */
    @Mixin
    private InfluenceSampleOption influenceSample;

    private final HttpClient http = HttpClient.newHttpClient();

    @Override
    public Integer call() throws Exception {
        BenchCommand.requirePositive("--events", events);
        BenchCommand.requirePositive("--seconds", seconds);
        BenchCommand.requirePositive("--clients", clients);
        BenchCommand.requirePositive("--max-tokens", maxTokens);
        BenchCommand.requirePositive("--runs", runs);
        Map<String, Object> report = new LinkedHashMap<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null)) {
            TopicSetup.create(kafka.bootstrapServers());
            KafkaOptions telemetryOnly = influenceSample.apply(
                    KafkaOptions.of(kafka.bootstrapServers()).withParts(true, false));
            report.put("broker", "in-process, " + kafka.bootstrapServers());
            report.put("cores", Runtime.getRuntime().availableProcessors());
            report.put("runs", runs);
            report.put("influence_sample", telemetryOnly.influenceSample());
            report.put("pipeline", pipeline(telemetryOnly));
            report.put("serving", serving(telemetryOnly));
        }
        System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(report));
        return 0;
    }

    /** (a) Events/s from record() to the broker's acknowledgement, the producer's defaults. */
    private Map<String, Object> pipeline(KafkaOptions kafka) {
        double[] perSecond = new double[runs];
        long dropped;
        try (KafkaTelemetry telemetry = new KafkaTelemetry("bench", kafka)) {
            for (int r = -1; r < runs; r++) {
                double rate = pipelineRun(telemetry);
                if (r >= 0) {
                    perSecond[r] = rate;
                    System.err.printf("bench telemetry: pipeline run %d/%d: %.0f events/s%n",
                            r + 1, runs, rate);
                }
            }
            dropped = telemetry.dropped();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("events_per_run", events);
        out.put("events_per_s", DecodeSpeed.median(perSecond));
        out.put("runs_events_per_s", BenchCommand.round(perSecond));
        out.put("dropped", dropped);
        return out;
    }

    /**
     * Offers {@code events} samples as fast as the pipeline takes them (keeping the hand-off
     * queue at most half full, so that none is dropped) and waits for every acknowledgement.
     */
    private double pipelineRun(KafkaTelemetry telemetry) {
        TokenReport report = new TokenReport(1234, 7, 3, 4, 0.93f, 0, 0, null);
        long base = telemetry.delivered() + telemetry.dropped();
        long start = System.nanoTime();
        for (int i = 0; i < events; i++) {
            while (i - (telemetry.delivered() + telemetry.dropped() - base)
                    >= KafkaTelemetry.QUEUE_CAPACITY / 2) {
                // Parks rather than spins: the sender and the broker need the cores.
                LockSupport.parkNanos(100_000);
            }
            telemetry.record(new TokenSample("cmpl-bench-" + (i >> 7), i & 127, report,
                    2_000_000, 2_000_000, 8, System.currentTimeMillis(), null));
        }
        while (telemetry.delivered() + telemetry.dropped() - base < events) {
            LockSupport.parkNanos(100_000);
        }
        return events / ((System.nanoTime() - start) / 1e9);
    }

    /** (b) Decode tokens/s of two servers on the same model, telemetry off and on. */
    private Map<String, Object> serving(KafkaOptions kafka) throws Exception {
        double[] off = new double[runs];
        double[] on = new double[runs];
        long dropped;
        try (ExitstreamServer plain = start(null);
                ExitstreamServer reporting = start(kafka)) {
            load(plain);
            load(reporting);
            for (int r = 0; r < runs; r++) {
                // Alternate which goes first, so that drift during a run pair cancels out.
                boolean offFirst = r % 2 == 0;
                double first = load(offFirst ? plain : reporting);
                double second = load(offFirst ? reporting : plain);
                off[r] = offFirst ? first : second;
                on[r] = offFirst ? second : first;
                System.err.printf("bench telemetry: serving run %d/%d: off %.0f, on %.0f"
                        + " tokens/s%n", r + 1, runs, off[r], on[r]);
            }
            dropped = Math.round(metric(reporting, "exitstream_telemetry_dropped_total"));
        }
        double medianOff = DecodeSpeed.median(off);
        double medianOn = DecodeSpeed.median(on);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", model.toString());
        out.put("weights", runtime.weightName());
        out.put("clients", clients);
        out.put("max_batch", maxBatch);
        out.put("max_tokens", maxTokens);
        out.put("seconds_per_run", seconds);
        out.put("off_tokens_per_s", medianOff);
        out.put("on_tokens_per_s", medianOn);
        out.put("difference_percent",
                Math.round(1000 * (medianOff - medianOn) / medianOff) / 10.0);
        out.put("runs_off_tokens_per_s", BenchCommand.round(off));
        out.put("runs_on_tokens_per_s", BenchCommand.round(on));
        out.put("telemetry_dropped", dropped);
        return out;
    }

    private ExitstreamServer start(KafkaOptions kafka) throws InterruptedException {
        ServerOptions defaults = ServerOptions.of(model, null, "127.0.0.1", 0);
        ExitstreamServer server = ExitstreamServer.start(defaults
                .withBatching(maxBatch, 4 * clients, Duration.ofSeconds(60))
                .withLoader(runtime::load)
                .withKafka(kafka));
        while (!server.isReady()) {
            if (server.failure().isPresent()) {
                server.close();
                throw new IllegalStateException(server.failure().get());
            }
            Thread.sleep(20);
        }
        return server;
    }

    /** Completion tokens/s while {@code clients} threads post completions for the run. */
    private double load(ExitstreamServer server) throws InterruptedException {
        String body = "{\"prompt\": \"Once upon a time\", \"temperature\": 0, \"max_tokens\": "
                + maxTokens + "}";
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        AtomicLong tokens = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            Thread client = new Thread(() -> {
                while (System.nanoTime() < deadline) {
                    tokens.addAndGet(complete(server, body));
                }
            }, "bench-client-" + c);
            client.start();
            threads.add(client);
        }
        for (Thread client : threads) {
            client.join();
        }
        return tokens.get() / ((System.nanoTime() - start) / 1e9);
    }

    /** Posts one completion; returns its completion tokens. */
    private long complete(ExitstreamServer server, String body) {
        HttpResponse<String> reply = send(server, HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/v1/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        if (reply.statusCode() != 200) {
            throw new IllegalStateException("the server answered " + reply.statusCode() + ": "
                    + reply.body());
        }
        return JsonParser.parseString(reply.body()).getAsJsonObject().getAsJsonObject("usage")
                .get("completion_tokens").getAsLong();
    }

    private double metric(ExitstreamServer server, String name) {
        String prefix = name + "{";
        return send(server, HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build())
                .body().lines().filter(line -> line.startsWith(prefix))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' '))))
                .findFirst().orElse(Double.NaN);
    }

    private HttpResponse<String> send(ExitstreamServer server, HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("request to the bench server failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
