package io.exitstream.router;

import java.util.List;
import java.util.Set;

/**
 * A pool as configured: the model its replicas serve, other names clients may use for it, the
 * quality classes it is reserved for (empty: every class) and its replicas.
 */
public record PoolConfig(String model, List<String> aliases, Set<String> classes,
        List<ReplicaAddress> replicas) {

    public PoolConfig {
        aliases = List.copyOf(aliases);
        classes = Set.copyOf(classes);
        replicas = List.copyOf(replicas);
    }

    /** The model and its aliases: every name that routes here. */
    List<String> names() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(model), aliases.stream())
                .toList();
    }
}
