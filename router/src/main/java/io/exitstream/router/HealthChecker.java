package io.exitstream.router;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.function.Supplier;

/**
 * Asks every replica's {@code /health/ready} at a fixed interval: 200 makes it ready, anything
 * else (503 while loading or draining, no answer) keeps new requests away from it. Changes are
 * logged once, when they happen.
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
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET)
                    .setHost(replica.address().host()).setPort(replica.address().port())
                    .setURI("/health/ready").setTimeout(timeout).setConnectTimeout(timeout);
            client.request(options)
                    .compose(request -> request.send()
                            .compose(response -> response.body().map(body -> response)))
                    .map(HttpClientResponse::statusCode)
                    .onComplete(result -> {
                        boolean ready = result.succeeded() && result.result() == 200;
                        if (ready != replica.isReady()) {
                            replica.ready(ready);
                            LOG.log(System.Logger.Level.INFO, "replica " + replica
                                    + (ready ? " is ready" : " is not ready (" + (result
                                    .succeeded() ? "HTTP " + result.result()
                                    : result.cause().getMessage()) + ")"));
                        }
                    });
        }
    }
}
