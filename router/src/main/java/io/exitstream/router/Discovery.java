package io.exitstream.router;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns configured pools into pools of addresses: in a pool that resolves, each replica's host
 * name stands for every address DNS gives it (a Kubernetes headless service lists one per
 * ready pod). Resolving blocks, so it runs off the event loop. A name that does not resolve
 * keeps the addresses it had, and is logged.
 */
final class Discovery {

    /** Looks up a host name's addresses; {@link #DNS} in production, a fake in tests. */
    interface Resolver {
        List<String> addresses(String host) throws UnknownHostException;
    }

    static final Resolver DNS = host -> Arrays.stream(InetAddress.getAllByName(host))
            .map(InetAddress::getHostAddress).sorted().toList();

    private static final System.Logger LOG = System.getLogger(Discovery.class.getName());

    private final Resolver resolver;
    private final Map<ReplicaAddress, List<ReplicaAddress>> known = new HashMap<>();

    Discovery(Resolver resolver) {
        this.resolver = resolver;
    }

    /** {@code pools} with the names of those that resolve replaced by their addresses. */
    synchronized List<PoolConfig> resolve(List<PoolConfig> pools) {
        List<PoolConfig> resolved = new ArrayList<>();
        for (PoolConfig pool : pools) {
            if (!pool.resolves()) {
                resolved.add(pool);
                continue;
            }
            List<ReplicaAddress> addresses = new ArrayList<>();
            for (ReplicaAddress name : pool.replicas()) {
                addresses.addAll(lookUp(name));
            }
            resolved.add(pool.withReplicas(addresses.stream().distinct().toList()));
        }
        return resolved;
    }

    private List<ReplicaAddress> lookUp(ReplicaAddress name) {
        try {
            List<ReplicaAddress> addresses = resolver.addresses(name.host()).stream()
                    .map(address -> new ReplicaAddress(address, name.port())).toList();
            known.put(name, addresses);
            return addresses;
        } catch (UnknownHostException e) {
            List<ReplicaAddress> last = known.getOrDefault(name, List.of());
            LOG.log(System.Logger.Level.WARNING, "could not resolve " + name.host()
                    + " (" + e.getMessage() + "); keeping its " + last.size() + " addresses");
            return last;
        }
    }
}
