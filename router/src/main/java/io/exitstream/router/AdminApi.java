package io.exitstream.router;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;

/**
 * The operator's API under {@code /admin}, behind its own key: the replicas and their state,
 * drain and undrain one, and reload the configuration file. Off (404) when no admin key is
 * configured.
 */
final class AdminApi {

    private static final System.Logger LOG = System.getLogger(AdminApi.class.getName());

    private final Supplier<RouterState> state;
    private final Supplier<Future<RouterState>> reload;

    /** {@code reload} re-reads the configuration and applies it, or fails with its errors. */
    AdminApi(Supplier<RouterState> state, Supplier<Future<RouterState>> reload) {
        this.state = state;
        this.reload = reload;
    }

    void mount(Router router) {
        router.route("/admin/*").handler(this::authorize);
        router.get("/admin/replicas").handler(this::replicas);
        router.post("/admin/replicas/:id/drain").handler(ctx -> drain(ctx, true));
        router.post("/admin/replicas/:id/undrain").handler(ctx -> drain(ctx, false));
        router.post("/admin/reload").handler(this::reload);
    }

    private void authorize(RoutingContext ctx) {
        var expected = state.get().config().adminKeySha256();
        if (expected.isEmpty()) {
            RouterError.of(404, "The admin API is off: set adminKeySha256 in the router's"
                    + " configuration", "admin_off", null).send(ctx.response());
        } else if (!ApiKeys.matches(ctx.request().getHeader("Authorization"), expected.get())) {
            RouterError.of(401, "The admin API needs 'Authorization: Bearer <admin key>'",
                    "invalid_api_key", null).send(ctx.response());
        } else {
            ctx.next();
        }
    }

    private void replicas(RoutingContext ctx) {
        long now = System.nanoTime();
        JsonArray replicas = new JsonArray();
        for (Replica replica : state.get().table().replicas()) {
            replicas.add(describe(replica, now));
        }
        json(ctx, 200, new JsonObject().put("replicas", replicas));
    }

    private void drain(RoutingContext ctx, boolean on) {
        String id = ctx.pathParam("id");
        state.get().table().replica(id).ifPresentOrElse(replica -> {
            replica.drain(on);
            LOG.log(System.Logger.Level.INFO, "replica " + replica
                    + (on ? " drained: no new requests" : " undrained"));
            json(ctx, 200, describe(replica, System.nanoTime()));
        }, () -> RouterError.of(404, "No replica '" + id + "'; GET /admin/replicas lists them"
                + " as MODEL@HOST:PORT", "replica_not_found", "id").send(ctx.response()));
    }

    private void reload(RoutingContext ctx) {
        reload.get().onSuccess(applied -> {
            LOG.log(System.Logger.Level.INFO, "configuration reloaded: "
                    + applied.table().pools().size() + " pools, "
                    + applied.table().replicas().size() + " replicas");
            json(ctx, 200, new JsonObject().put("reloaded", true)
                    .put("pools", applied.table().pools().size())
                    .put("replicas", applied.table().replicas().size()));
        }).onFailure(e -> RouterError.of(400, "The configuration was not reloaded: "
                + e.getMessage(), "invalid_config", null).send(ctx.response()));
    }

    private static JsonObject describe(Replica replica, long now) {
        return new JsonObject().put("id", replica.toString()).put("pool", replica.pool())
                .put("address", replica.address().toString())
                .put("state", replica.state(now).name().toLowerCase(java.util.Locale.ROOT))
                .put("outstanding", replica.outstanding()).put("load", replica.load());
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(body.encode());
    }
}
