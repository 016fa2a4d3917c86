package io.exitstream.cli;

import io.exitstream.router.ExitstreamRouter;
import io.exitstream.router.ReplicaAddress;
import io.exitstream.router.RouterConfig;
import io.exitstream.server.ExitstreamServer;
import io.exitstream.server.ServerOptions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code serve} and {@code up} run: one server on the address asked for, or several
 * replicas on free loopback ports with the router in front of them on that address.
 */
final class ServingFleet implements AutoCloseable {

    private final List<ExitstreamServer> servers;
    private final ExitstreamRouter router;

    private ServingFleet(List<ExitstreamServer> servers, ExitstreamRouter router) {
        this.servers = List.copyOf(servers);
        this.router = router;
    }

    /**
     * One server with {@code options}, or, for more {@code replicas}, that many with
     * {@code options} on free loopback ports and an open router on {@code host:port}. The
     * (first) server's {@code /metrics} serves {@code metrics}; other replicas have their own.
     */
    static ServingFleet start(ServerOptions options, int replicas, String host, int port,
            PrometheusMeterRegistry metrics) {
        if (replicas == 1) {
            return new ServingFleet(List.of(ExitstreamServer.start(options, metrics)), null);
        }
        if (options.apiKey() != null) {
            // The router never forwards a client's key, so replicas behind it cannot ask for one.
            throw new IllegalArgumentException("--api-key protects a server alone; with"
                    + " --replicas put the keys in a router configuration (docs/router.md)");
        }
        List<ExitstreamServer> servers = new ArrayList<>();
        ServerOptions replica = options.withAddress("127.0.0.1", 0);
        try {
            List<ReplicaAddress> addresses = new ArrayList<>();
            for (int i = 0; i < replicas; i++) {
                ExitstreamServer server = ExitstreamServer.start(replica, i == 0 ? metrics
                        : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
                servers.add(server);
                addresses.add(new ReplicaAddress("127.0.0.1", server.port()));
            }
            RouterConfig config = RouterConfig.ofReplicas(host, port,
                    ExitstreamServer.modelName(options.model()), addresses);
            return new ServingFleet(servers, ExitstreamRouter.start(config, () -> config));
        } catch (RuntimeException e) {
            new ServingFleet(servers, null).closeQuietly();
            throw e;
        }
    }

    /** Where clients go: the router's port, or the only server's. */
    int port() {
        return router != null ? router.port() : servers.get(0).port();
    }

    /** The servers' own ports: behind the router, or the only one. */
    List<Integer> replicaPorts() {
        return servers.stream().map(ExitstreamServer::port).toList();
    }

    /** How the fleet is laid out, for the line a command prints at start. */
    String describe() {
        return router == null ? "" : " (router in front of " + servers.size()
                + " replicas on ports " + replicaPorts() + ")";
    }

    /** Why a replica's model could not be loaded, if one could not. */
    Optional<String> failure() {
        return servers.stream().map(ExitstreamServer::failure).flatMap(Optional::stream)
                .findFirst();
    }

    /** The router first, so that nothing new reaches a replica that is stopping. */
    @Override
    public void close() throws InterruptedException {
        if (router != null) {
            router.close();
        }
        for (ExitstreamServer server : servers) {
            server.close();
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
