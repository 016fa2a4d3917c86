package io.exitstream.router;

/** A tenant's configuration with its live rate-limit buckets. */
final class Tenant {

    /** Anyone, when no tenants are configured: every model, every class, no limits. */
    static final Tenant OPEN = new Tenant(new TenantConfig("anonymous", new byte[32],
            java.util.Set.of("*"), java.util.Set.of("*"), 0, 0), 0);

    private final TenantConfig config;
    private final TokenBucket requests;
    private final TokenBucket tokens;

    Tenant(TenantConfig config, long now) {
        this.config = config;
        this.requests = new TokenBucket(config.requestsPerMinute(), now);
        this.tokens = new TokenBucket(config.tokensPerMinute(), now);
    }

    String name() {
        return config.name();
    }

    TenantConfig config() {
        return config;
    }

    /** @throws RouterError 403 when this tenant may not use the model or class */
    void checkAllowed(String model, java.util.Optional<String> quality) {
        if (!config.models().contains("*") && !config.models().contains(model)) {
            throw RouterError.of(403, "This API key may not use the model '" + model + "'",
                    "model_not_allowed", "model");
        }
        quality.ifPresent(q -> {
            if (!config.classes().contains("*") && !config.classes().contains(q)) {
                throw RouterError.of(403, "This API key may not use the quality class '" + q
                        + "'", "class_not_allowed", "exitstream.quality");
            }
        });
    }

    /**
     * Takes one request and {@code maxTokens} tokens from this tenant's minute.
     *
     * @throws RateLimited when either bucket is short, with the limit and the wait
     */
    void admit(int maxTokens, long now) {
        long wait = requests.waitFor(1, now);
        if (wait > 0) {
            throw new RateLimited("requests", wait);
        }
        wait = tokens.waitFor(maxTokens, now);
        if (wait > 0) {
            requests.refund(1);
            throw new RateLimited("tokens", wait);
        }
    }

    /** A request refused by one of the tenant's limits, after how long to try again. */
    static final class RateLimited extends RuntimeException {

        private final String limit;
        private final long waitNanos;

        RateLimited(String limit, long waitNanos) {
            super(limit, null, false, false);
            this.limit = limit;
            this.waitNanos = waitNanos;
        }

        /** {@code requests} or {@code tokens}: a bounded metric label. */
        String limit() {
            return limit;
        }

        RouterError toError(double perMinute) {
            long seconds = (waitNanos + 999_999_999L) / 1_000_000_000L;
            return RouterError.retryLater(429, "Rate limit of " + (long) perMinute + " "
                    + limit + " per minute reached for this API key; retry after " + seconds
                    + " s", "rate_limit_exceeded", seconds);
        }
    }
}
