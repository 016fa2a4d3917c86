package io.exitstream.router;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Fake replicas and routers for one test, closed together afterwards. Routers get frequent
 * health checks and short ejections, unless the test gives its own {@code health}, so that
 * tests stay short.
 */
final class RouterFixture implements AutoCloseable {

    /** The admin key every fixture router accepts, unless the test configures its own. */
    static final String ADMIN_KEY = "test-admin-key-3f9c";

    private final Deque<AutoCloseable> open = new ArrayDeque<>();
    private ExitstreamRouter last;

    FakeReplica replica(String name, String model) {
        FakeReplica replica = new FakeReplica(name, model);
        open.push(replica);
        return replica;
    }

    /** A router with {@code extra} top-level settings and these pools; reloads re-read them. */
    RouterClient router(String extra, String... pools) {
        String json = config(extra, pools);
        return start(() -> ConfigReader.parse("test", json));
    }

    /** A router whose configuration (and every reload) is {@code source}'s. */
    RouterClient start(java.util.function.Supplier<RouterConfig> source) {
        return start(source, Discovery.DNS);
    }

    /** The same, looking host names up with {@code dns}. */
    RouterClient start(java.util.function.Supplier<RouterConfig> source,
            Discovery.Resolver dns) {
        last = ExitstreamRouter.start(source.get(), source, dns);
        open.push(last);
        return new RouterClient(last.port());
    }

    FakeReplica replica(String name, String model, String host, int port) {
        FakeReplica replica = new FakeReplica(name, model, host, port);
        open.push(replica);
        return replica;
    }

    int port() {
        return last.port();
    }

    static String config(String extra, String... pools) {
        String health = extra.contains("\"health\"") ? ""
                : "\"health\":{\"intervalMs\":100,\"timeoutMs\":2000,\"ejectBaseMs\":300},";
        String admin = extra.contains("\"adminKeySha256\"") ? ""
                : "\"adminKeySha256\":\"" + sha256(ADMIN_KEY) + "\",";
        return "{" + extra + (extra.isEmpty() ? "" : ",") + "\"listen\":{\"port\":0},"
                + health + admin + "\"pools\":[" + String.join(",", pools) + "]}";
    }

    static String sha256(String key) {
        return java.util.HexFormat.of().formatHex(ApiKeys.hash(key));
    }

    static String pool(String model, FakeReplica... replicas) {
        return pool(model, "", replicas);
    }

    /** A pool with one more field, e.g. {@code "aliases":["best"]}. */
    static String pool(String model, String field, FakeReplica... replicas) {
        List<String> addresses = new ArrayList<>();
        for (FakeReplica replica : replicas) {
            addresses.add("\"" + replica.address() + "\"");
        }
        return "{\"model\":\"" + model + "\"," + (field.isEmpty() ? "" : field + ",")
                + "\"replicas\":[" + String.join(",", addresses) + "]}";
    }

    @Override
    public void close() throws Exception {
        while (!open.isEmpty()) {
            open.pop().close();
        }
    }
}
