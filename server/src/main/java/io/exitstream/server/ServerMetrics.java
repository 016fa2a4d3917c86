package io.exitstream.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Histogram;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.IntStream;

/**
 * The server's Prometheus metrics (names from DESIGN.md, base units, label {@code model}; the
 * per-token ones also {@code class}, the request's quality class or {@code none}), each with a
 * HELP text, plus the JVM's and the process's. Recorded from the scheduler thread; scraped from
 * the event loop; Micrometer is thread-safe.
 *
 * <p>Histograms publish fixed buckets only, never Micrometer's percentile histogram (276
 * buckets up to 4e18): latencies at SLO-friendly bounds, integer-valued quantities (exit layer,
 * layers executed, batch size) at each integer that can occur, 0 included, so a heatmap has one
 * row per layer.
 */
public final class ServerMetrics implements AutoCloseable {

    /** Bounds for time to first token and queue wait: a prefill, up to a long queue. */
    private static final Duration[] WAIT_BUCKETS = millis(5, 10, 25, 50, 100, 250, 500, 1000,
            2500, 5000, 10_000, 30_000, 60_000);
    /** Bounds for one decode step: small models step in milliseconds. */
    private static final Duration[] STEP_BUCKETS = millis(1, 2, 5, 10, 20, 50, 100, 250, 500,
            1000, 2500);
    /** Bounds for a whole request: up to a long generation. */
    private static final Duration[] REQUEST_BUCKETS = millis(50, 100, 250, 500, 1000, 2500,
            5000, 10_000, 30_000, 60_000, 120_000, 300_000);

    private final PrometheusMeterRegistry registry;
    private final JvmMetrics jvm;
    private final String model;
    private final Tags tags;
    /** Micrometer holds a function counter's source weakly: these keep them alive. */
    private final List<Object> sources = new ArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicLong planVersion = new AtomicLong();
    private final Timer timeToFirstToken;
    private final Timer interTokenLatency;
    private final Timer requestDuration;
    private final Timer queueWait;
    private final Counter promptTokens;
    private final Counter drafted;
    private final Counter accepted;
    private final DistributionDataPoint batchSize;
    /** By quality class ordinal, the last for requests that chose none: a bounded label. */
    private final TokenMeters[] tokenMeters = new TokenMeters[QualityClass.values().length + 1];

    /** The per-token meters of one quality class. */
    private record TokenMeters(Counter tokens, DistributionDataPoint exitLayer,
            DistributionDataPoint layersExecuted) {
    }

    /**
     * Records into {@code registry}, which {@code /metrics} serves: one shared with what runs
     * beside the server in the same process (up's re-scheduler) puts its metrics there too.
     *
     * @param layers the model's depth: exit layers are 0 to layers - 1, layers executed 0 to
     *     layers
     * @param maxBatch the most sequences one step decodes
     */
    public ServerMetrics(String model, int layers, int maxBatch,
            PrometheusMeterRegistry registry) {
        this.registry = registry;
        this.model = model;
        tags = Tags.of("model", model);
        timeToFirstToken = timer("exitstream.time.to.first.token",
                "Time from a request's arrival to its first token", WAIT_BUCKETS);
        interTokenLatency = timer("exitstream.inter.token.latency",
                "Time between two tokens of one request", STEP_BUCKETS);
        requestDuration = timer("exitstream.request.duration",
                "Time from a request's arrival to its last token", REQUEST_BUCKETS);
        queueWait = timer("exitstream.queue.wait",
                "Time a request waited for a free batch slot", WAIT_BUCKETS);
        gauge("exitstream.requests.running", "Requests in the running batch", running);
        gauge("exitstream.requests.waiting", "Requests queued for a batch slot", waiting);
        gauge("exitstream.plan.version", "Version of the plan new requests run under",
                planVersion);
        // A dashboard divides layers executed by this to show the compute early exits save.
        gauge("exitstream.model.layers", "Layers in the served model (its depth)", layers);
        promptTokens = counter("exitstream.prompt.tokens", "Prompt tokens prefilled");
        drafted = counter("exitstream.speculative.drafted.tokens",
                "Draft tokens proposed by self-speculation");
        accepted = counter("exitstream.speculative.accepted.tokens",
                "Draft tokens self-speculation verified and kept");
        batchSize = integers("exitstream.batch.size", "Sequences decoded in one step", 1,
                maxBatch, "model").labelValues(model);
        Histogram layersExecuted = integers("exitstream.layers.executed.per.token",
                "Layers that ran for one generated token", 0, layers, "model", "class");
        Histogram exitLayer = integers("exitstream.token.exit.layer",
                "Layer (from 0) whose output chose a generated token", 0, layers - 1, "model",
                "class");
        for (int i = 0; i < tokenMeters.length; i++) {
            String quality = i < QualityClass.values().length
                    ? QualityClass.values()[i].apiName() : "none";
            tokenMeters[i] = new TokenMeters(Counter.builder("exitstream.tokens.generated")
                    .description("Tokens generated").tags(tags).tag("class", quality)
                    .register(registry), exitLayer.labelValues(model, quality),
                    layersExecuted.labelValues(model, quality));
        }
        jvm = JvmMetrics.bindTo(registry);
    }

    private static Duration[] millis(long... bounds) {
        return Arrays.stream(bounds).mapToObj(Duration::ofMillis)
                .toArray(Duration[]::new);
    }

    private Timer timer(String name, String help, Duration[] buckets) {
        return Timer.builder(name).description(help).tags(tags)
                .serviceLevelObjectives(buckets).register(registry);
    }

    /**
     * A histogram with one bucket per integer from {@code min} to {@code max}, registered with
     * the Prometheus client under Micrometer: Micrometer refuses a bucket at 0.
     */
    private Histogram integers(String name, String help, int min, int max,
            String... labels) {
        double[] buckets = IntStream.rangeClosed(min, max).asDoubleStream().toArray();
        return Histogram.builder().name(name.replace('.', '_')).help(help).labelNames(labels)
                .classicOnly().classicUpperBounds(buckets).withoutExemplars()
                .register(registry.getPrometheusRegistry());
    }

    private void gauge(String name, String help, Number value) {
        Gauge.builder(name, value, Number::doubleValue).description(help).tags(tags)
                .strongReference(true).register(registry);
    }

    private Counter counter(String name, String help) {
        return Counter.builder(name).description(help).tags(tags).register(registry);
    }

    private void functionCounter(String name, String help, LongSupplier source) {
        sources.add(source);
        FunctionCounter.builder(name, source, s -> (double) s.getAsLong()).description(help)
                .tags(tags).register(registry);
    }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        return registry.scrape();
    }

    public void queueWait(Duration wait) {
        queueWait.record(wait);
    }

    public void firstToken(Duration sinceArrival) {
        timeToFirstToken.record(sinceArrival);
    }

    public void interToken(Duration sincePrevious) {
        interTokenLatency.record(sincePrevious);
    }

    /** A request left the batch after {@code sinceArrival}, for {@code reason}. */
    public void requestDone(Duration sinceArrival, String reason) {
        requestDuration.record(sinceArrival);
        Counter.builder("exitstream.requests.finished")
                .description("Requests that ended, by finish reason (stop, length, abort,"
                        + " cancelled)")
                .tags(tags).tag("finish_reason", reason).register(registry).increment();
    }

    /** A request's prompt was prefilled. */
    public void prompt(int tokens) {
        promptTokens.increment(tokens);
    }

    /**
     * One generated token of a request in {@code quality} (null: none chosen) that left the
     * stack at {@code exitLayer} after {@code layers}, with the drafts it took.
     */
    public void token(QualityClass quality, int exitLayer, int layers, int draftedNow,
            int acceptedNow) {
        TokenMeters meters = tokenMeters[quality == null ? tokenMeters.length - 1
                : quality.ordinal()];
        meters.tokens().increment();
        meters.exitLayer().observe(exitLayer);
        meters.layersExecuted().observe(layers);
        drafted.increment(draftedNow);
        accepted.increment(acceptedNow);
    }

    public void step(int batch) {
        batchSize.observe(batch);
    }

    /** An answer to a {@code /v1} request, by HTTP status: 429s and 503s are refusals. */
    public void response(int status) {
        Counter.builder("exitstream.api.responses")
                .description("Answers to /v1 requests by HTTP status")
                .tags(tags).tag("status", Integer.toString(status)).register(registry)
                .increment();
    }

    /** Exports the telemetry producer's counts of delivered and dropped token events. */
    public void telemetry(LongSupplier delivered, LongSupplier dropped) {
        functionCounter("exitstream.telemetry.sent",
                "Token events the Kafka broker acknowledged", delivered);
        functionCounter("exitstream.telemetry.dropped",
                "Token events dropped (queue or producer buffer full, or not delivered in"
                        + " time)", dropped);
    }

    /** A schedule record the server ignored, by reason (a short fixed word). */
    public void scheduleRecordRejected(String reason) {
        Counter.builder("exitstream.schedule.records.rejected")
                .description("Schedule records the server ignored, by reason")
                .tags(tags).tag("reason", reason).register(registry).increment();
    }

    /** The version of the plan new requests run under. */
    public void planVersion(long version) {
        planVersion.set(version);
    }

    public void occupancy(int runningNow, int waitingNow) {
        running.set(runningNow);
        waiting.set(waitingNow);
    }

    /** Stops listening for GC notifications. */
    @Override
    public void close() {
        jvm.close();
    }
}
