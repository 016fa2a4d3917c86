package io.exitstream.router;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the router's JSON configuration file and validates all of it before anything starts:
 * every mistake becomes one line naming the field and what to change, and all lines are
 * reported together in one {@link IllegalArgumentException}. Unknown fields are mistakes too.
 * The format is documented in {@code docs/router.md}.
 */
public final class ConfigReader {

    private final String source;
    private final List<String> errors = new ArrayList<>();

    private ConfigReader(String source) {
        this.source = source;
    }

    /** Reads and validates {@code file}. */
    public static RouterConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return parse(file.toString(), text);
    }

    /** Validates {@code text}, naming {@code source} in every error line. */
    public static RouterConfig parse(String source, String text) {
        JsonObject json;
        try {
            json = new JsonObject(text);
        } catch (DecodeException | ClassCastException e) {
            throw new IllegalArgumentException(source + ": not a JSON object: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        ConfigReader reader = new ConfigReader(source);
        RouterConfig config = reader.config(json);
        if (!reader.errors.isEmpty()) {
            throw new IllegalArgumentException(String.join(System.lineSeparator(),
                    reader.errors));
        }
        return config;
    }

    private RouterConfig config(JsonObject json) {
        known(json, "", "listen", "bodyLimitBytes", "defaultMaxTokens", "retry", "health",
                "pools", "tenants", "adminKeySha256");
        JsonObject listen = object(json, "", "listen");
        known(listen, "listen.", "host", "port");
        String host = text(listen, "listen.", "host", "127.0.0.1");
        int port = (int) number(listen, "listen.", "port", 8090, 0, 65535);
        long bodyLimit = number(json, "", "bodyLimitBytes", 1 << 20, 1, Integer.MAX_VALUE);
        int maxTokens = (int) number(json, "", "defaultMaxTokens", 16, 1, Integer.MAX_VALUE);

        JsonObject retry = object(json, "", "retry");
        known(retry, "retry.", "deadlineMs", "maxAttempts", "connectTimeoutMs");
        RouterConfig.Retry retrySettings = new RouterConfig.Retry(
                millis(retry, "retry.", "deadlineMs", 10_000),
                (int) number(retry, "retry.", "maxAttempts", 3, 1, 100),
                millis(retry, "retry.", "connectTimeoutMs", 2_000));

        JsonObject health = object(json, "", "health");
        known(health, "health.", "intervalMs", "timeoutMs", "ejectBaseMs", "ejectMaxMs",
                "failuresToEject");
        RouterConfig.Health healthSettings = new RouterConfig.Health(
                millis(health, "health.", "intervalMs", 2_000),
                millis(health, "health.", "timeoutMs", 2_000),
                millis(health, "health.", "ejectBaseMs", 1_000),
                millis(health, "health.", "ejectMaxMs", 30_000),
                (int) number(health, "health.", "failuresToEject", 3, 1, 1000));
        if (healthSettings.ejectMax().compareTo(healthSettings.ejectBase()) < 0) {
            error("health.ejectMaxMs", "must be at least health.ejectBaseMs");
        }

        List<PoolConfig> pools = pools(array(json, "", "pools"));
        List<TenantConfig> tenants = tenants(array(json, "", "tenants"));
        Optional<byte[]> admin = json.getValue("adminKeySha256") != null
                ? Optional.ofNullable(sha256(json.getValue("adminKeySha256"), "adminKeySha256"))
                : Optional.empty();
        return new RouterConfig(host, port, bodyLimit, maxTokens, retrySettings, healthSettings,
                pools, tenants, admin);
    }

    private List<PoolConfig> pools(JsonArray array) {
        if (array.isEmpty()) {
            error("pools", "name at least one pool:"
                    + " {\"model\": ..., \"replicas\": [\"host:port\"]}");
        }
        List<PoolConfig> pools = new ArrayList<>();
        // A name may route to several pools only when each reserves its own classes.
        Set<String> routes = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            String at = "pools[" + i + "]";
            JsonObject pool = element(array, at, i);
            known(pool, at + ".", "model", "aliases", "classes", "replicas", "resolveEveryMs");
            String model = text(pool, at + ".", "model", null);
            List<String> aliases = strings(array(pool, at + ".", "aliases"), at + ".aliases");
            Set<String> classes = new LinkedHashSet<>(
                    strings(array(pool, at + ".", "classes"), at + ".classes"));
            List<ReplicaAddress> replicas = new ArrayList<>();
            List<String> given = strings(array(pool, at + ".", "replicas"), at + ".replicas");
            if (given.isEmpty()) {
                error(at + ".replicas", "list at least one replica as \"host:port\"");
            }
            for (int r = 0; r < given.size(); r++) {
                try {
                    replicas.add(ReplicaAddress.parse(given.get(r)));
                } catch (IllegalArgumentException e) {
                    error(at + ".replicas[" + r + "]", e.getMessage());
                }
            }
            if (model == null) {
                continue;
            }
            Duration resolveEvery = Duration.ofMillis(
                    number(pool, at + ".", "resolveEveryMs", 0, 0, 3_600_000));
            PoolConfig config = new PoolConfig(model, aliases, classes, replicas, resolveEvery);
            for (String name : config.names()) {
                for (String quality : classes.isEmpty() ? Set.of("*") : classes) {
                    if (!routes.add(name + "\u0000" + quality)) {
                        error(at, "'" + name + "'" + (quality.equals("*") ? ""
                                : " with class '" + quality + "'")
                                + " already routes to an earlier pool");
                    }
                }
            }
            pools.add(config);
        }
        return pools;
    }

    private List<TenantConfig> tenants(JsonArray array) {
        List<TenantConfig> tenants = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            String at = "tenants[" + i + "]";
            JsonObject tenant = element(array, at, i);
            known(tenant, at + ".", "name", "keySha256", "models", "classes",
                    "requestsPerMinute", "tokensPerMinute");
            String name = text(tenant, at + ".", "name", null);
            if (name != null && !names.add(name)) {
                error(at + ".name", "'" + name + "' names an earlier tenant too");
            }
            byte[] hash = sha256(tenant.getValue("keySha256"), at + ".keySha256");
            Set<String> models = new HashSet<>(
                    strings(array(tenant, at + ".", "models"), at + ".models"));
            Set<String> classes = new HashSet<>(
                    strings(array(tenant, at + ".", "classes"), at + ".classes"));
            double rpm = number(tenant, at + ".", "requestsPerMinute", 0, 0, Integer.MAX_VALUE);
            double tpm = number(tenant, at + ".", "tokensPerMinute", 0, 0, Integer.MAX_VALUE);
            if (name != null && hash != null) {
                tenants.add(new TenantConfig(name, hash,
                        models.isEmpty() ? Set.of("*") : models,
                        classes.isEmpty() ? Set.of("*") : classes, rpm, tpm));
            }
        }
        return tenants;
    }

    private byte[] sha256(Object value, String field) {
        if (!(value instanceof String hex) || !hex.matches("[0-9a-fA-F]{64}")) {
            error(field, "give the key's SHA-256 as 64 hex digits"
                    + " (printf %s \"$KEY\" | sha256sum), never the key itself");
            return null;
        }
        return HexFormat.of().parseHex(hex);
    }

    private void known(JsonObject json, String prefix, String... fields) {
        Set<String> allowed = Set.of(fields);
        for (String field : json.fieldNames()) {
            if (!allowed.contains(field)) {
                error(prefix + field, "unknown field; expected one of "
                        + String.join(", ", new java.util.TreeSet<>(allowed)));
            }
        }
    }

    private JsonObject object(JsonObject json, String prefix, String field) {
        return typed(json, prefix, field, JsonObject.class, new JsonObject(), "an object");
    }

    private JsonArray array(JsonObject json, String prefix, String field) {
        return typed(json, prefix, field, JsonArray.class, new JsonArray(), "a list");
    }

    /** The field as {@code type}; {@code empty} when it is absent or (an error) mistyped. */
    private <T> T typed(JsonObject json, String prefix, String field, Class<T> type, T empty,
            String what) {
        Object value = json.getValue(field);
        if (value == null) {
            return empty;
        }
        if (type.isInstance(value)) {
            return type.cast(value);
        }
        error(prefix + field, "must be " + what);
        return empty;
    }

    private JsonObject element(JsonArray array, String at, int index) {
        if (array.getValue(index) instanceof JsonObject object) {
            return object;
        }
        error(at, "must be an object");
        return new JsonObject();
    }

    private List<String> strings(JsonArray array, String at) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            if (array.getValue(i) instanceof String value && !value.isBlank()) {
                values.add(value);
            } else {
                error(at + "[" + i + "]", "must be a non-empty string");
            }
        }
        return values;
    }

    private String text(JsonObject json, String prefix, String field, String fallback) {
        Object value = json.getValue(field);
        if (value == null) {
            if (fallback == null) {
                error(prefix + field, "is required");
            }
            return fallback;
        }
        if (value instanceof String text && !text.isBlank()) {
            return text;
        }
        error(prefix + field, "must be a non-empty string");
        return fallback;
    }

    private long number(JsonObject json, String prefix, String field, long fallback, long min,
            long max) {
        Object value = json.getValue(field);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Number number && number.doubleValue() == number.longValue()
                && number.longValue() >= min && number.longValue() <= max) {
            return number.longValue();
        }
        error(prefix + field, "must be a whole number from " + min + " to " + max + ", got "
                + value);
        return fallback;
    }

    private Duration millis(JsonObject json, String prefix, String field, long fallback) {
        return Duration.ofMillis(number(json, prefix, field, fallback, 1, 3_600_000));
    }

    private void error(String field, String message) {
        errors.add(source + ": " + field + ": " + message);
    }
}
