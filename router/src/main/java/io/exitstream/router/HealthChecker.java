package io.exitstream.router;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.function.Supplier;

/**
 * Asks every replica's {@code /health/ready} at a fixed interval: 200 makes it ready, anything
 * else (503 while loading or draining, no answer) keeps new requests away from it. Changes are
 * logged once, when they happen. A ready replica's {@code /metrics} give its own load.
 */
final class HealthChecker {

    private static final System.Logger LOG = System.getLogger(HealthChecker.class.getName());

    private final Vertx vertx;
    private final HttpClient client;
    private final Supplier<RouterState> state;
    private long timer = -1;

    HealthChecker(Vertx vertx, HttpClient client, Supplier<RouterState> state) {
        this.vertx = vertx;
        this.client = client;
        this.state = state;
    }

    /** Checks now, then every interval of the configuration in force at the time. */
    void start() {
        checkAll();
        timer = vertx.setPeriodic(state.get().config().health().interval().toMillis(),
                id -> checkAll());
    }

    void stop() {
        vertx.cancelTimer(timer);
    }

    private void checkAll() {
        RouterState current = state.get();
        long timeout = current.config().health().timeout().toMillis();
        for (Replica replica : current.table().replicas()) {
            get(replica, "/health/ready", timeout).onComplete(result -> {
                boolean ready = result.succeeded() && result.result().statusCode() == 200;
                if (ready != replica.isReady()) {
                    replica.ready(ready);
                    LOG.log(System.Logger.Level.INFO, "replica " + replica + (ready
                            ? " is ready" : " is not ready (" + (result.succeeded()
                            ? "HTTP " + result.result().statusCode()
                            : result.cause().getMessage()) + ")"));
                }
                if (ready) {
                    readLoad(replica, timeout);
                }
            });
        }
    }

    /**
     * The replica's own count of requests running and waiting, from its {@code /metrics}:
     * what every router and client sends it, not only this router. Kept as it was when the
     * metrics cannot be read.
     */
    private void readLoad(Replica replica, long timeout) {
        get(replica, "/metrics", timeout).onSuccess(response -> {
            if (response.statusCode() == 200) {
                replica.reportedLoad(ReplicaLoad.parse(response.body()));
            }
        }).onFailure(e -> LOG.log(System.Logger.Level.DEBUG, "no metrics from " + replica
                + ": " + e.getMessage()));
    }

    /** A GET with its whole body, within {@code timeout} ms. */
    private Future<Answer> get(Replica replica, String path, long timeout) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET)
                .setHost(replica.address().host()).setPort(replica.address().port())
                .setURI(path).setTimeout(timeout).setConnectTimeout(timeout);
        return client.request(options).compose(request -> request.send())
                .compose(response -> response.body()
                        .map(body -> new Answer(response.statusCode(), body.toString())));
    }

    /** A status and body read to the end, so that the connection can be reused. */
    private record Answer(int statusCode, String body) { }
}
