package io.exitstream.router;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The router on one event loop: the route table, the upstream clients and the health checker.
 * Every piece of live state is changed only here, so none of it needs locks.
 */
final class RouterVerticle extends VerticleBase {

    private static final System.Logger LOG = System.getLogger(RouterVerticle.class.getName());
    /** Metric label per route; anything else is {@code other}, so labels stay bounded. */
    private static final Map<String, String> ROUTES = Map.of(
            "/v1/completions", "completions", "/v1/chat/completions", "chat_completions",
            "/v1/models", "models", "/metrics", "metrics");
    /** What a client that hung up is counted as, as nginx does. */
    private static final int CLIENT_CLOSED = 499;

    private final Supplier<RouterConfig> source;
    private final Discovery discovery;
    private final RouterMetrics metrics = new RouterMetrics();
    /** The configuration as read, with names where pools resolve them. */
    private RouterConfig configured;
    /** The same with names resolved: what requests are routed with. */
    private volatile RouterState state;
    private HttpServer server;
    private HealthChecker health;
    private long resolving = -1;

    /**
     * {@code source} gives the configuration again on each reload; {@code discovery} resolves
     * the names of pools that resolve.
     */
    RouterVerticle(RouterConfig initial, Supplier<RouterConfig> source, Discovery discovery) {
        this.source = source;
        this.discovery = discovery;
        this.configured = initial;
    }

    int port() {
        return server.actualPort();
    }

    @Override
    public Future<?> start() {
        return vertx.executeBlocking(() -> discovery.resolve(configured.pools()), false)
                .compose(pools -> {
                    apply(configured.withPools(pools));
                    return listen(configured);
                });
    }

    private Future<HttpServer> listen(RouterConfig config) {
        HttpClient proxyClient = upstreamClient(1024);
        HttpClient healthClient = upstreamClient(2);
        ProxyHandler proxy = new ProxyHandler(vertx, proxyClient, () -> state, metrics);
        health = new HealthChecker(vertx, healthClient, () -> state);

        Router router = Router.router(vertx);
        router.route().handler(this::countRequest);
        router.post("/v1/*").handler(BodyHandler.create(false)
                .setBodyLimit(config.bodyLimitBytes()));
        router.post("/v1/completions").handler(proxy::completion);
        router.post("/v1/chat/completions").handler(proxy::completion);
        router.get("/v1/models").handler(proxy::models);
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(metrics.scrape()));
        router.get("/health/live").handler(ctx -> ctx.response().end("ok"));
        router.get("/health/ready").handler(ctx -> ctx.response().end("ready"));
        router.post("/admin/*").handler(BodyHandler.create(false).setBodyLimit(4096));
        new AdminApi(() -> state, this::reload).mount(router);
        router.errorHandler(404, ctx -> fail(ctx, 404, "No route " + ctx.request().path()
                + "; the router serves /v1/completions, /v1/chat/completions, /v1/models,"
                + " /metrics and /admin", "not_found"));
        router.errorHandler(405, ctx -> fail(ctx, 405, ctx.request().method()
                + " is not allowed on " + ctx.request().path(), "method_not_allowed"));
        router.errorHandler(413, ctx -> fail(ctx, 413, "The request body is larger than "
                + config.bodyLimitBytes() + " bytes", "body_too_large"));
        router.errorHandler(500, ctx -> {
            LOG.log(System.Logger.Level.ERROR, "unexpected failure on " + ctx.request().path(),
                    ctx.failure());
            fail(ctx, 500, "Internal error in the router", "internal_error");
        });
        health.start();
        return vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true))
                .requestHandler(router)
                .listen(config.port(), config.host())
                .onSuccess(listening -> server = listening);
    }

    /**
     * A keep-alive client holding up to {@code connections} per replica. A pooled connection
     * that breaks while idle is only logged: the request that would use it finds out itself.
     */
    private HttpClient upstreamClient(int connections) {
        return vertx.httpClientBuilder()
                .with(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true))
                .with(new PoolOptions().setHttp1MaxSize(connections))
                .withConnectHandler(connection -> connection.exceptionHandler(e -> LOG.log(
                        System.Logger.Level.DEBUG, "connection to " + connection.remoteAddress()
                                + " failed: " + e.getMessage())))
                .build();
    }

    @Override
    public Future<?> stop() {
        health.stop();
        vertx.cancelTimer(resolving);
        return server == null ? Future.succeededFuture() : server.close();
    }

    /** A configuration as read, and the same with its names resolved. */
    private record Read(RouterConfig config, RouterConfig resolved) { }

    /** Reads the configuration and resolves its names off the event loop, then applies it. */
    private Future<RouterState> reload() {
        return vertx.executeBlocking(() -> {
            RouterConfig config = source.get();
            return new Read(config, config.withPools(discovery.resolve(config.pools())));
        }, false).map(read -> {
            warnOfRestartSettings(configured, read.config());
            configured = read.config();
            return apply(read.resolved());
        });
    }

    /** The settings fixed at start: a reload that changes them says so. */
    private static void warnOfRestartSettings(RouterConfig before, RouterConfig after) {
        List<String> changed = new ArrayList<>();
        if (!after.host().equals(before.host()) || after.port() != before.port()) {
            changed.add("listen");
        }
        if (after.bodyLimitBytes() != before.bodyLimitBytes()) {
            changed.add("bodyLimitBytes");
        }
        if (!after.health().interval().equals(before.health().interval())) {
            changed.add("health.intervalMs");
        }
        if (!changed.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "reloaded, but " + String.join(", ", changed)
                    + " take effect on restart only");
        }
    }

    /**
     * Routes with {@code resolved} from now on, keeping the state of replicas that stay, and
     * resolves names again at the shortest interval a pool asks for.
     */
    private RouterState apply(RouterConfig resolved) {
        state = RouterState.of(resolved, state);
        metrics.replicas(state.table());
        vertx.cancelTimer(resolving);
        configured.pools().stream().filter(PoolConfig::resolves)
                .map(PoolConfig::resolveEvery).min(Duration::compareTo)
                .ifPresent(every -> resolving = vertx.setPeriodic(every.toMillis(),
                        id -> resolveAgain()));
        return state;
    }

    /** Swaps in the pools' new addresses when DNS changed them. */
    private void resolveAgain() {
        RouterConfig config = configured;
        vertx.executeBlocking(() -> discovery.resolve(config.pools()), false)
                .onSuccess(pools -> {
                    if (config == configured && !pools.equals(state.config().pools())) {
                        LOG.log(System.Logger.Level.INFO, "replicas resolved anew: "
                                + pools.stream().flatMap(p -> p.replicas().stream()).toList());
                        state = RouterState.of(config.withPools(pools), state);
                        metrics.replicas(state.table());
                    }
                });
    }

    private void countRequest(RoutingContext ctx) {
        String route = ROUTES.getOrDefault(ctx.request().path(),
                ctx.request().path().startsWith("/admin/") ? "admin" : "other");
        ctx.addEndHandler(end -> metrics.request(route,
                end.succeeded() ? ctx.response().getStatusCode() : CLIENT_CLOSED));
        ctx.next();
    }

    private static void fail(RoutingContext ctx, int status, String message, String code) {
        RouterError.of(status, message, code, null).send(ctx.response());
    }
}
