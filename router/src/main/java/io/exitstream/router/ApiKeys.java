package io.exitstream.router;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;

/**
 * Finds the tenant of a bearer key. Keys are known only by their SHA-256; the presented key
 * is hashed and compared with every stored hash in constant time, so neither the timing nor
 * the logs tell anything about the keys.
 */
final class ApiKeys {

    private final List<Tenant> tenants;

    ApiKeys(List<Tenant> tenants) {
        this.tenants = List.copyOf(tenants);
    }

    boolean open() {
        return tenants.isEmpty();
    }

    /** The tenant whose key is {@code authorization}'s bearer token, if any. */
    Optional<Tenant> find(String authorization) {
        byte[] hash = hash(bearer(authorization));
        if (hash == null) {
            return Optional.empty();
        }
        Tenant found = null;
        // No early exit: every stored hash is compared whatever matched.
        for (Tenant tenant : tenants) {
            if (MessageDigest.isEqual(hash, tenant.config().keySha256())) {
                found = tenant;
            }
        }
        return Optional.ofNullable(found);
    }

    /** Whether {@code authorization} carries the key whose SHA-256 is {@code expected}. */
    static boolean matches(String authorization, byte[] expected) {
        byte[] hash = hash(bearer(authorization));
        return hash != null && MessageDigest.isEqual(hash, expected);
    }

    private static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String key = authorization.substring(7).trim();
        return key.isEmpty() ? null : key;
    }

    static byte[] hash(String key) {
        if (key == null) {
            return null;
        }
        try {
            return MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
