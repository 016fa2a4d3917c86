package io.exitstream.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The server's Prometheus metrics (names from DESIGN.md, base units, label {@code model}; the
 * per-token ones also {@code class}, the request's quality class or {@code none}). Recorded
 * from the scheduler thread; scraped from the event loop; Micrometer is thread-safe.
 */
public final class ServerMetrics {

    /** The per-token meters of one quality class. */
    private record TokenMeters(Counter tokens, DistributionSummary exitLayer,
            DistributionSummary layersExecuted) {
    }

    private final PrometheusMeterRegistry registry =
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Tags tags;
    private LongSupplier telemetryDropped;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicLong planVersion = new AtomicLong();
    private final Timer timeToFirstToken;
    private final Timer interTokenLatency;
    private final Timer requestDuration;
    private final Timer queueWait;
    private final DistributionSummary batchSize;
    /** By quality class ordinal, the last for requests that chose none: a bounded label. */
    private final TokenMeters[] tokenMeters = new TokenMeters[QualityClass.values().length + 1];

    public ServerMetrics(String model) {
        tags = Tags.of("model", model);
        timeToFirstToken = timer("exitstream.time.to.first.token", tags);
        interTokenLatency = timer("exitstream.inter.token.latency", tags);
        requestDuration = timer("exitstream.request.duration", tags);
        queueWait = timer("exitstream.queue.wait", tags);
        Gauge.builder("exitstream.requests.running", running, AtomicInteger::get).tags(tags)
                .register(registry);
        Gauge.builder("exitstream.requests.waiting", waiting, AtomicInteger::get).tags(tags)
                .register(registry);
        Gauge.builder("exitstream.plan.version", planVersion, AtomicLong::get).tags(tags)
                .register(registry);
        batchSize = summary("exitstream.batch.size", tags);
        for (QualityClass quality : QualityClass.values()) {
            tokenMeters[quality.ordinal()] = tokenMeters(quality.apiName());
        }
        tokenMeters[QualityClass.values().length] = tokenMeters("none");
    }

    private TokenMeters tokenMeters(String quality) {
        Tags classTags = tags.and("class", quality);
        return new TokenMeters(Counter.builder("exitstream.tokens.generated").tags(classTags)
                .register(registry), summary("exitstream.token.exit.layer", classTags),
                summary("exitstream.layers.executed.per.token", classTags));
    }

    private Timer timer(String name, Tags tags) {
        return Timer.builder(name).tags(tags).publishPercentileHistogram().register(registry);
    }

    private DistributionSummary summary(String name, Tags tags) {
        return DistributionSummary.builder(name).tags(tags).publishPercentileHistogram()
                .register(registry);
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

    public void requestDone(Duration sinceArrival) {
        requestDuration.record(sinceArrival);
    }

    /**
     * One generated token of a request in {@code quality} (null: none chosen) that left the
     * stack at {@code exitLayer} after {@code layers}.
     */
    public void token(QualityClass quality, int exitLayer, int layers) {
        TokenMeters meters = tokenMeters[quality == null ? tokenMeters.length - 1
                : quality.ordinal()];
        meters.tokens().increment();
        meters.exitLayer().record(exitLayer);
        meters.layersExecuted().record(layers);
    }

    public void step(int batch) {
        batchSize.record(batch);
    }

    /** Exports a count of token events the telemetry producer dropped. */
    public void telemetryDrops(LongSupplier dropped) {
        // Micrometer holds a function counter's source weakly: keep it alive here.
        telemetryDropped = dropped;
        FunctionCounter.builder("exitstream.telemetry.dropped", dropped,
                        d -> (double) d.getAsLong())
                .tags(tags).register(registry);
    }

    /** A schedule record the server ignored, by reason (a short fixed word). */
    public void scheduleRecordRejected(String reason) {
        Counter.builder("exitstream.schedule.records.rejected").tags(tags).tag("reason", reason)
                .register(registry).increment();
    }

    /** The version of the plan new requests run under. */
    public void planVersion(long version) {
        planVersion.set(version);
    }

    public void occupancy(int runningNow, int waitingNow) {
        running.set(runningNow);
        waiting.set(waitingNow);
    }
}
