package io.exitstream.router;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The router's own Prometheus metrics, each with HELP text. Labels are bounded: routes are a
 * fixed set, statuses are HTTP codes, pools and replicas come from the configuration, limits
 * and retry reasons are fixed words.
 */
final class RouterMetrics {

    private final PrometheusMeterRegistry registry =
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer addedLatency = Timer.builder("exitstream.router.added.latency")
            .description("Time the router adds before a request leaves for its replica: from"
                    + " the whole request read to the upstream request sent, without retries")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(50_000))
            .maximumExpectedValue(Duration.ofSeconds(5))
            .register(registry);
    private final Map<Replica, Meter> outstanding = new HashMap<>();

    /** Counts a finished request by route and the status its client got. */
    void request(String route, int status) {
        Counter.builder("exitstream.router.requests")
                .description("Requests the router answered, by route and HTTP status")
                .tag("route", route).tag("status", Integer.toString(status))
                .register(registry).increment();
    }

    void addedLatency(long nanos) {
        addedLatency.record(Duration.ofNanos(nanos));
    }

    void upstreamFirstByte(String pool, long nanos) {
        Timer.builder("exitstream.router.upstream.ttfb")
                .description("Time from sending a request upstream to the replica's response"
                        + " headers (its time to first byte)")
                .tag("pool", pool).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry).record(Duration.ofNanos(nanos));
    }

    /** {@code reason}: connect, reset, status_503, status_429. */
    void retry(String pool, String reason) {
        Counter.builder("exitstream.router.retries")
                .description("Upstream attempts retried on another try before any byte reached"
                        + " the client, by reason")
                .tag("pool", pool).tag("reason", reason).register(registry).increment();
    }

    void ejection(String pool) {
        Counter.builder("exitstream.router.ejections")
                .description("Replicas ejected after connect errors, resets or repeated 5xx")
                .tag("pool", pool).register(registry).increment();
    }

    /** {@code limit}: requests or tokens. */
    void rateLimited(String limit) {
        Counter.builder("exitstream.router.rate.limited")
                .description("Requests refused with 429 by a per-key limit, by limit")
                .tag("limit", limit).register(registry).increment();
    }

    void streamLost(String pool) {
        Counter.builder("exitstream.router.streams.lost")
                .description("Responses cut short because their replica failed mid-stream")
                .tag("pool", pool).register(registry).increment();
    }

    /** Exposes the outstanding count of exactly the replicas of {@code table}. */
    void replicas(RoutingTable table) {
        outstanding.entrySet().removeIf(entry -> {
            boolean gone = !table.replicas().contains(entry.getKey());
            if (gone) {
                registry.remove(entry.getValue());
            }
            return gone;
        });
        for (Replica replica : table.replicas()) {
            outstanding.computeIfAbsent(replica, r -> Gauge.builder(
                            "exitstream.router.outstanding.requests", r, Replica::outstanding)
                    .description("Requests the router has sent to a replica and not yet seen"
                            + " finish")
                    .tag("pool", r.pool()).tag("replica", r.address().toString())
                    .register(registry));
        }
    }

    String scrape() {
        return registry.scrape();
    }
}
