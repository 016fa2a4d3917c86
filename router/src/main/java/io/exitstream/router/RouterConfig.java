package io.exitstream.router;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The router's settings, as read and validated by {@link ConfigReader}: where it listens, its
 * pools, its tenants (none: open to everyone) and the admin key's hash (none: no admin API).
 */
public record RouterConfig(String host, int port, long bodyLimitBytes, int defaultMaxTokens,
        Retry retry, Health health, List<PoolConfig> pools, List<TenantConfig> tenants,
        Optional<byte[]> adminKeySha256) {

    public RouterConfig {
        pools = List.copyOf(pools);
        tenants = List.copyOf(tenants);
    }

    /**
     * How long a request that has not sent a byte to its client may be retried, and on at
     * most how many upstream attempts.
     */
    public record Retry(Duration deadline, int maxAttempts, Duration connectTimeout) { }

    /**
     * Active checks of {@code /health/ready} every {@code interval}; passive ejection for
     * {@code ejectBase}, doubling on each ejection in a row up to {@code ejectMax}, after
     * {@code failuresToEject} consecutive 5xx answers (connect errors and resets eject at once).
     */
    public record Health(Duration interval, Duration timeout, Duration ejectBase,
            Duration ejectMax, int failuresToEject) { }

    /**
     * An open router (no keys, no admin API) with the documented defaults, on {@code host}
     * and {@code port}, in front of {@code replicas} of one model: what {@code up} and tests
     * run.
     */
    public static RouterConfig ofReplicas(String host, int port, String model,
            List<ReplicaAddress> replicas) {
        io.vertx.core.json.JsonObject json = new io.vertx.core.json.JsonObject()
                .put("listen", new io.vertx.core.json.JsonObject().put("host", host)
                        .put("port", port))
                .put("pools", new io.vertx.core.json.JsonArray().add(
                        new io.vertx.core.json.JsonObject().put("model", model)
                                .put("replicas", new io.vertx.core.json.JsonArray(replicas
                                        .stream().map(ReplicaAddress::toString).toList()))));
        return ConfigReader.parse("replicas of " + model, json.encode());
    }

    /** The same settings with {@code resolved} pools: their names replaced by addresses. */
    RouterConfig withPools(List<PoolConfig> resolved) {
        return new RouterConfig(host, port, bodyLimitBytes, defaultMaxTokens, retry, health,
                resolved, tenants, adminKeySha256);
    }
}
