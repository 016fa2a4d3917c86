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
 * The server's Prometheus metrics (names from DESIGN.md, base units, label {@code model}).
 * Recorded from the scheduler thread; scraped from the event loop; Micrometer is thread-safe.
 */
public final class ServerMetrics {

    private final PrometheusMeterRegistry registry;
    private final Tags tags;
    private LongSupplier telemetryDropped;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicLong planVersion = new AtomicLong();
    private final Timer timeToFirstToken;
    private final Timer interTokenLatency;
    private final Timer requestDuration;
    private final Timer queueWait;
    private final Counter tokensGenerated;
    private final DistributionSummary batchSize;
    private final DistributionSummary layersExecuted;
    private final DistributionSummary exitLayer;

    public ServerMetrics(String model) {
        this(model, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /**
     * Records into {@code registry}, which {@code /metrics} serves: one shared with what runs
     * beside the server in the same process (up's re-scheduler) puts its metrics there too.
     */
    public ServerMetrics(String model, PrometheusMeterRegistry registry) {
        this.registry = registry;
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
        tokensGenerated = Counter.builder("exitstream.tokens.generated").tags(tags)
                .register(registry);
        batchSize = summary("exitstream.batch.size", tags);
        layersExecuted = summary("exitstream.layers.executed.per.token", tags);
        exitLayer = summary("exitstream.token.exit.layer", tags);
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

    /** One generated token that left the stack at {@code exitLayer} after {@code layers}. */
    public void token(int exitLayer, int layers) {
        tokensGenerated.increment();
        this.exitLayer.record(exitLayer);
        layersExecuted.record(layers);
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
