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
     * Nanoseconds until some replica may take requests again (see
     * {@link Replica#availableIn}), or -1 when all are drained.
     */
    long nextAvailableIn(long now, java.time.Duration recheck) {
        return replicas.stream().mapToLong(r -> r.availableIn(now, recheck))
                .filter(wait -> wait >= 0).min().orElse(-1);
    }
}
