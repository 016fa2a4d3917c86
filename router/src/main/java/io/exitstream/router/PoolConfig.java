package io.exitstream.router;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * A pool as configured: the model its replicas serve, other names clients may use for it, the
 * quality classes it is reserved for (empty: every class), its replicas, and how often their
 * host names are resolved again (zero: never; each name stands for all its addresses).
 */
public record PoolConfig(String model, List<String> aliases, Set<String> classes,
        List<ReplicaAddress> replicas, Duration resolveEvery) {

    public PoolConfig {
        aliases = List.copyOf(aliases);
        classes = Set.copyOf(classes);
        replicas = List.copyOf(replicas);
    }

    /** Whether the replicas are names to resolve again and again, as a headless service's. */
    boolean resolves() {
        return !resolveEvery.isZero();
    }

    /** The same pool with these replicas: a name's addresses, as last resolved. */
    PoolConfig withReplicas(List<ReplicaAddress> resolved) {
        return new PoolConfig(model, aliases, classes, resolved, resolveEvery);
    }

    /** The model and its aliases: every name that routes here. */
    List<String> names() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(model), aliases.stream())
                .toList();
    }
}
