package io.exitstream.router;

/**
 * What a configuration reload replaces as one: the settings, the routing table and the API
 * keys. Replicas that stay in the configuration keep their state; tenants' buckets start
 * full again.
 */
record RouterState(RouterConfig config, RoutingTable table, ApiKeys keys) {

    static RouterState of(RouterConfig config, RouterState previous) {
        long now = System.nanoTime();
        return new RouterState(config,
                new RoutingTable(config.pools(), previous == null ? null : previous.table()),
                new ApiKeys(config.tenants().stream().map(t -> new Tenant(t, now)).toList()));
    }
}
