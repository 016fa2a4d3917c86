package io.exitstream.router;

import java.util.Set;

/**
 * One API key's owner as configured: a name for logs and metrics, the SHA-256 of the key (the
 * key itself is never stored), what it may use ({@code *} for everything) and its limits per
 * minute (0: unlimited).
 */
public record TenantConfig(String name, byte[] keySha256, Set<String> models,
        Set<String> classes, double requestsPerMinute, double tokensPerMinute) {

    public TenantConfig {
        keySha256 = keySha256.clone();
        models = Set.copyOf(models);
        classes = Set.copyOf(classes);
    }
}
