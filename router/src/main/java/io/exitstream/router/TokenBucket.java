package io.exitstream.router;

/**
 * A token bucket holding up to a minute's allowance, refilled continuously. Taking more than
 * it holds takes nothing and says how long to wait.
 */
final class TokenBucket {

    private final double capacity;
    private final double perNano;
    private double tokens;
    private long updated;

    /** {@code perMinute} of 0 or less means unlimited. */
    TokenBucket(double perMinute, long now) {
        this.capacity = perMinute;
        this.perNano = perMinute / 60e9;
        this.tokens = perMinute;
        this.updated = now;
    }

    boolean unlimited() {
        return capacity <= 0;
    }

    /** Nanoseconds until {@code amount} could be taken, or 0 when it was just taken. */
    long waitFor(double amount, long now) {
        if (unlimited()) {
            return 0;
        }
        tokens = Math.min(capacity, tokens + (now - updated) * perNano);
        updated = now;
        // A request larger than a whole minute's allowance waits for a full bucket.
        double needed = Math.min(amount, capacity);
        if (tokens >= needed) {
            tokens -= needed;
            return 0;
        }
        return (long) Math.ceil((needed - tokens) / perNano);
    }

    /** Gives back what was taken for a request that was then refused by another limit. */
    void refund(double amount) {
        if (!unlimited()) {
            tokens = Math.min(capacity, tokens + Math.min(amount, capacity));
        }
    }
}
