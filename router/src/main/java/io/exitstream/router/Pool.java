package io.exitstream.router;

import java.util.List;

/** A pool's configuration with its live replicas. */
record Pool(PoolConfig config, List<Replica> replicas) {

    Pool {
        replicas = List.copyOf(replicas);
    }

    String model() {
        return config.model();
    }

    /** The replicas that may take a new request now, leaving out {@code tried} ones. */
    List<Replica> available(long now, java.util.Collection<Replica> tried) {
        return replicas.stream()
                .filter(r -> r.state(now) == Replica.State.AVAILABLE && !tried.contains(r))
                .toList();
    }

    /**
     * Nanoseconds until some replica takes requests again by itself, or -1 when none will
     * without a health check or an operator.
     */
    long nextAvailableIn(long now) {
        return replicas.stream().mapToLong(r -> r.availableIn(now)).filter(wait -> wait >= 0)
                .min().orElse(-1);
    }
}
