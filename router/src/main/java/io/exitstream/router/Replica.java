package io.exitstream.router;

import java.time.Duration;
import java.util.Optional;

/**
 * One server replica and what the router knows of it: requests outstanding, the last active
 * health check, an operator's drain, a passive ejection with its back-off, and a
 * {@code Retry-After} it asked for. Only the router's event loop changes it; {@code volatile}
 * fields are the ones metrics and the admin API read.
 */
final class Replica {

    /** What the admin API reports; only {@link #AVAILABLE} replicas get new requests. */
    enum State { AVAILABLE, BUSY, EJECTED, NOT_READY, DRAINED }

    private final String pool;
    private final ReplicaAddress address;
    private volatile int outstanding;
    private volatile int reportedLoad;
    private volatile boolean ready = true;
    private volatile boolean drained;
    private long ejectedUntil;
    private long busyUntil;
    private int ejectionsInRow;
    private int errorsInRow;

    Replica(String pool, ReplicaAddress address) {
        this.pool = pool;
        this.address = address;
    }

    String pool() {
        return pool;
    }

    ReplicaAddress address() {
        return address;
    }

    int outstanding() {
        return outstanding;
    }

    /**
     * What balancing compares: this router's requests in flight, or the replica's own count of
     * requests running and waiting when that is higher (other routers and clients send to it).
     */
    int load() {
        return Math.max(outstanding, reportedLoad);
    }

    /** The replica's own running plus waiting requests, as its metrics last said. */
    void reportedLoad(int load) {
        reportedLoad = load;
    }

    void begin() {
        outstanding++;
    }

    void end() {
        outstanding--;
    }

    State state(long now) {
        if (drained) {
            return State.DRAINED;
        }
        if (now - ejectedUntil < 0) {
            return State.EJECTED;
        }
        if (!ready) {
            return State.NOT_READY;
        }
        return now - busyUntil < 0 ? State.BUSY : State.AVAILABLE;
    }

    /**
     * Nanoseconds until this replica may take requests again: when an ejection or a
     * {@code Retry-After} runs out, or {@code recheck} (the next health check) while it is not
     * ready; -1 when drained, which only an operator ends.
     */
    long availableIn(long now, Duration recheck) {
        if (drained) {
            return -1;
        }
        long wait = Math.max(0, Math.max(ejectedUntil - now, busyUntil - now));
        return ready ? wait : Math.max(wait, recheck.toNanos());
    }

    boolean isReady() {
        return ready;
    }

    void drain(boolean on) {
        drained = on;
    }

    /** The active check's verdict: a draining or loading server answers 503. */
    void ready(boolean isReady) {
        ready = isReady;
    }

    /** The replica asked not to be sent anything for {@code wait} (429/503 Retry-After). */
    void busyFor(long now, Duration wait) {
        busyUntil = now + wait.toNanos();
    }

    /**
     * A connect failure or reset: ejected at once, for the base back-off doubled on each
     * ejection in a row. Empty when it is already ejected: the other requests that were in
     * flight on it when it failed neither count again nor lengthen the back-off.
     */
    Optional<Duration> eject(long now, RouterConfig.Health health) {
        if (now - ejectedUntil < 0) {
            return Optional.empty();
        }
        long backOff = health.ejectBase().toNanos() << Math.min(ejectionsInRow, 20);
        Duration duration = Duration.ofNanos(Math.min(backOff, health.ejectMax().toNanos()));
        ejectionsInRow++;
        errorsInRow = 0;
        ejectedUntil = now + duration.toNanos();
        return Optional.of(duration);
    }

    /** A 5xx answer; true when it is the one too many that should eject the replica. */
    boolean serverError(RouterConfig.Health health) {
        errorsInRow++;
        return errorsInRow >= health.failuresToEject();
    }

    /** A good answer readmits the replica for good: the next ejection starts from the base. */
    void answered() {
        errorsInRow = 0;
        ejectionsInRow = 0;
    }

    @Override
    public String toString() {
        return pool + "@" + address;
    }
}
