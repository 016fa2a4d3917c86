package io.exitstream.router;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which pool serves a model name and quality class. A client names a pool's model or alias,
 * optionally with a class suffix ({@code MODEL:fast}); the class may also come from the body.
 * A pool reserved for some classes wins over one that serves every class.
 */
final class RoutingTable {

    /** The pool chosen and the model name its servers know (aliases are rewritten). */
    record Route(Pool pool, String upstreamModel, Optional<String> quality) { }

    private final List<Pool> pools;

    /** Builds the pools of {@code config}, keeping the state of replicas already known. */
    RoutingTable(List<PoolConfig> configs, RoutingTable previous) {
        Map<String, Replica> known = new HashMap<>();
        if (previous != null) {
            previous.replicas().forEach(r -> known.put(r.toString(), r));
        }
        List<Pool> built = new ArrayList<>();
        for (PoolConfig config : configs) {
            List<Replica> replicas = config.replicas().stream()
                    .map(address -> known.computeIfAbsent(config.model() + "@" + address,
                            key -> new Replica(config.model(), address)))
                    .toList();
            built.add(new Pool(config, replicas));
        }
        pools = List.copyOf(built);
    }

    List<Pool> pools() {
        return pools;
    }

    List<Replica> replicas() {
        return pools.stream().flatMap(p -> p.replicas().stream()).toList();
    }

    /** The replica named {@code pool@host:port} in the admin API. */
    Optional<Replica> replica(String id) {
        return replicas().stream().filter(r -> r.toString().equals(id)).findFirst();
    }

    /**
     * The route for {@code model} with the body's {@code quality} (may be null).
     *
     * @throws RouterError 404 for a model no pool serves, 400 for a class it does not serve
     */
    Route route(String model, String quality) {
        String name = model;
        String suffix = null;
        if (pools.stream().noneMatch(p -> p.config().names().contains(model))
                && model.indexOf(':') > 0) {
            name = model.substring(0, model.indexOf(':'));
            suffix = model.substring(model.indexOf(':') + 1);
        }
        if (suffix != null && quality != null && !suffix.equals(quality)) {
            throw RouterError.of(400, "The model suffix ':" + suffix + "' and exitstream.quality '"
                    + quality + "' ask for different classes; give one", "invalid_quality",
                    "exitstream.quality");
        }
        String wanted = quality != null ? quality : suffix;
        String base = name;
        List<Pool> named = pools.stream().filter(p -> p.config().names().contains(base))
                .toList();
        if (named.isEmpty()) {
            throw RouterError.of(404, "The model '" + model + "' does not exist here; GET"
                    + " /v1/models lists the models this router serves", "model_not_found",
                    "model");
        }
        Pool pool = named.stream()
                .filter(p -> wanted != null && p.config().classes().contains(wanted))
                .findFirst()
                .or(() -> named.stream().filter(p -> p.config().classes().isEmpty()).findFirst())
                .orElseThrow(() -> RouterError.of(400, "The model '" + base
                        + "' is not served in the class '" + wanted + "' here", "class_not_served",
                        "model"));
        String upstream = suffix == null ? pool.model() : pool.model() + ":" + suffix;
        return new Route(pool, upstream, Optional.ofNullable(wanted));
    }
}
