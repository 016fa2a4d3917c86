package io.exitstream.router;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The client-facing API: authenticates the key, reads what routing needs from the body
 * (model, quality class, {@code max_tokens}), checks the key's permissions and limits, and
 * hands the request to an {@link Exchange}; and {@code GET /v1/models} as the union of the
 * pools' models with their aliases.
 */
final class ProxyHandler {

    private static final System.Logger LOG = System.getLogger(ProxyHandler.class.getName());

    private final Vertx vertx;
    private final HttpClient client;
    private final Supplier<RouterState> state;
    private final RouterMetrics metrics;
    private final Balancer balancer = new LeastOutstanding();

    ProxyHandler(Vertx vertx, HttpClient client, Supplier<RouterState> state,
            RouterMetrics metrics) {
        this.vertx = vertx;
        this.client = client;
        this.state = state;
        this.metrics = metrics;
    }

    /** POST /v1/completions and /v1/chat/completions. */
    void completion(RoutingContext ctx) {
        RouterState current = state.get();
        try {
            Tenant tenant = authenticate(ctx, current.keys());
            JsonObject json = json(ctx.body().buffer());
            String model = model(json, current.table());
            RoutingTable.Route route = current.table().route(model, quality(json));
            checkAllowed(tenant, route);
            admit(tenant, maxTokens(json, current.config().defaultMaxTokens()));
            // The bytes as sent, unless the name changes: an alias, or no model given.
            boolean renamed = !route.upstreamModel().equals(json.getValue("model"));
            Buffer body = renamed ? json.copy().put("model", route.upstreamModel()).toBuffer()
                    : ctx.body().buffer();
            new Exchange(vertx, client, balancer, current.config(), metrics, route.pool(),
                    ctx.request().path(), ctx.request().headers(), body, ctx.response())
                    .start();
        } catch (RouterError e) {
            e.send(ctx.response());
        }
    }

    /** GET /v1/models: what one available replica of each pool the key may use lists. */
    void models(RoutingContext ctx) {
        RouterState current = state.get();
        Tenant tenant;
        try {
            tenant = authenticate(ctx, current.keys());
        } catch (RouterError e) {
            e.send(ctx.response());
            return;
        }
        long now = System.nanoTime();
        long timeout = current.config().health().timeout().toMillis();
        List<Future<JsonArray>> answers = new ArrayList<>();
        List<Pool> asked = new ArrayList<>();
        for (Pool pool : current.table().pools()) {
            List<Replica> free = pool.available(now, List.of());
            if (free.isEmpty() || !allowed(tenant, pool.model())) {
                continue;
            }
            ReplicaAddress at = balancer.choose(free).address();
            asked.add(pool);
            answers.add(client.request(new RequestOptions().setMethod(HttpMethod.GET)
                            .setHost(at.host()).setPort(at.port()).setURI("/v1/models")
                            .setTimeout(timeout))
                    .compose(request -> request.send())
                    .compose(response -> response.statusCode() == 200 ? response.body()
                            : Future.failedFuture("HTTP " + response.statusCode()))
                    .map(body -> body.toJsonObject().getJsonArray("data", new JsonArray())));
        }
        Future.join(answers).onComplete(done -> {
            Map<String, JsonObject> union = new LinkedHashMap<>();
            for (int i = 0; i < answers.size(); i++) {
                Future<JsonArray> answer = answers.get(i);
                if (answer.failed()) {
                    LOG.log(System.Logger.Level.WARNING, "pool " + asked.get(i).model()
                            + " did not list its models: " + answer.cause().getMessage());
                    continue;
                }
                for (Object entry : answer.result()) {
                    if (entry instanceof JsonObject model && model.getValue("id") != null) {
                        union.putIfAbsent(model.getString("id"), model);
                    }
                }
                for (String alias : asked.get(i).config().aliases()) {
                    union.putIfAbsent(alias, new JsonObject().put("id", alias)
                            .put("object", "model").put("owned_by", "exitstream-router")
                            .put("root", asked.get(i).model()));
                }
            }
            ctx.response().putHeader("Content-Type", "application/json")
                    .end(new JsonObject().put("object", "list")
                            .put("data", new JsonArray(new ArrayList<>(union.values())))
                            .encode());
        });
    }

    private static boolean allowed(Tenant tenant, String model) {
        return tenant.config().models().contains("*") || tenant.config().models().contains(model);
    }

    private Tenant authenticate(RoutingContext ctx, ApiKeys keys) {
        if (keys.open()) {
            return Tenant.OPEN;
        }
        // Never log the header: it is the key.
        return keys.find(ctx.request().getHeader("Authorization")).orElseThrow(() -> {
            LOG.log(System.Logger.Level.INFO, "refused a request without a known API key from "
                    + ctx.request().remoteAddress());
            return RouterError.of(401, "Missing or unknown API key: send"
                    + " 'Authorization: Bearer <key>'", "invalid_api_key", null);
        });
    }

    private static void checkAllowed(Tenant tenant, RoutingTable.Route route) {
        try {
            tenant.checkAllowed(route.pool().model(), route.quality());
        } catch (RouterError e) {
            LOG.log(System.Logger.Level.INFO, "tenant " + tenant.name() + " refused: "
                    + e.getMessage());
            throw e;
        }
    }

    private void admit(Tenant tenant, int maxTokens) {
        try {
            tenant.admit(maxTokens, System.nanoTime());
        } catch (Tenant.RateLimited e) {
            metrics.rateLimited(e.limit());
            LOG.log(System.Logger.Level.INFO, "tenant " + tenant.name() + " is over its "
                    + e.limit() + " per minute");
            throw e.toError(e.limit().equals("requests") ? tenant.config().requestsPerMinute()
                    : tenant.config().tokensPerMinute());
        }
    }

    private static JsonObject json(Buffer body) {
        try {
            if (body != null && Json.decodeValue(body) instanceof JsonObject json) {
                return json;
            }
        } catch (DecodeException e) {
            throw RouterError.of(400, "The body is not valid JSON: "
                    + e.getMessage().lines().findFirst().orElse(""), "invalid_json", null);
        }
        throw RouterError.of(400, "The body must be a JSON object", "invalid_json", null);
    }

    /**
     * The body's {@code model}; without one, the only pool's model, as a server serves its
     * only model to a request that names none.
     */
    private static String model(JsonObject json, RoutingTable table) {
        Object model = json.getValue("model");
        if (model instanceof String name) {
            return name;
        }
        if (model == null && table.pools().size() == 1) {
            return table.pools().get(0).model();
        }
        throw RouterError.of(400, "Name the model: \"model\" must be a string; GET /v1/models"
                + " lists them", "invalid_model", "model");
    }

    /** The class asked for in the body's {@code exitstream.quality}, if any. */
    private static String quality(JsonObject json) {
        if (json.getValue("exitstream") instanceof JsonObject exitstream) {
            Object quality = exitstream.getValue("quality");
            if (quality != null && !(quality instanceof String)) {
                throw RouterError.of(400, "exitstream.quality must be a string",
                        "invalid_quality", "exitstream.quality");
            }
            return (String) quality;
        }
        return null;
    }

    /** The tokens a request may generate: what the key's tokens-per-minute bucket pays. */
    private static int maxTokens(JsonObject json, int fallback) {
        for (String field : List.of("max_tokens", "max_completion_tokens")) {
            Object value = json.getValue(field);
            if (value instanceof Number number && number.intValue() > 0) {
                return number.intValue();
            }
        }
        return fallback;
    }
}
