package io.exitstream.router;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One client request on its way through the pool: picks a replica, sends, and until the first
 * byte goes back to the client retries on another replica after a connect failure, a reset,
 * a 503 or a 429 (waiting out {@code Retry-After} when no other replica is free), within the
 * retry deadline and attempt budget. Then {@link StreamRelay} takes over. A client that hangs
 * up cancels the upstream request.
 */
final class Exchange {

    private static final System.Logger LOG = System.getLogger(Exchange.class.getName());
    /** Request headers a replica needs; the client's API key is never among them. */
    private static final List<String> FORWARDED = List.of("Content-Type", "Accept",
            "X-Request-Id");
    private static final Duration DEFAULT_BUSY = Duration.ofSeconds(1);

    private final Vertx vertx;
    private final HttpClient client;
    private final Balancer balancer;
    private final RouterConfig config;
    private final RouterMetrics metrics;
    private final Pool pool;
    private final String path;
    private final MultiMap clientHeaders;
    private final Buffer body;
    private final HttpServerResponse response;
    private final long received;
    private final long deadline;
    private final List<Replica> tried = new ArrayList<>();
    private int attempts;
    private int lastRefusal = 503;
    private HttpClientRequest upstream;
    private boolean clientGone;

    Exchange(Vertx vertx, HttpClient client, Balancer balancer, RouterConfig config,
            RouterMetrics metrics, Pool pool, String path, MultiMap clientHeaders, Buffer body,
            HttpServerResponse response) {
        this.vertx = vertx;
        this.client = client;
        this.balancer = balancer;
        this.config = config;
        this.metrics = metrics;
        this.pool = pool;
        this.path = path;
        this.clientHeaders = clientHeaders;
        this.body = body;
        this.response = response;
        this.received = System.nanoTime();
        this.deadline = received + config.retry().deadline().toNanos();
    }

    void start() {
        response.closeHandler(v -> {
            clientGone = true;
            if (upstream != null) {
                upstream.reset();
            }
        });
        attempt();
    }

    private void attempt() {
        if (clientGone) {
            return;
        }
        long now = System.nanoTime();
        List<Replica> candidates = pool.available(now, tried);
        if (candidates.isEmpty()) {
            // Every free replica was tried: one that refused may be free again by now.
            candidates = pool.available(now, List.of());
        }
        if (candidates.isEmpty()) {
            waitOrGiveUp(now);
            return;
        }
        Replica replica = balancer.choose(candidates);
        tried.add(replica);
        attempts++;
        replica.begin();
        Attempt attempt = new Attempt(replica);
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
                .setHost(replica.address().host()).setPort(replica.address().port())
                .setURI(path)
                .setConnectTimeout(config.retry().connectTimeout().toMillis());
        FORWARDED.forEach(name -> {
            String value = clientHeaders.get(name);
            if (value != null) {
                options.putHeader(name, value);
            }
        });
        client.request(options).onComplete(ready -> {
            if (ready.failed()) {
                attempt.failed("connect", ready.cause());
                return;
            }
            HttpClientRequest request = ready.result();
            if (clientGone) {
                request.reset();
                attempt.release();
                return;
            }
            upstream = request;
            long sent = System.nanoTime();
            if (attempts == 1) {
                metrics.addedLatency(sent - received);
            }
            request.send(body).onComplete(answer -> {
                if (answer.failed()) {
                    attempt.failed("reset", answer.cause());
                } else {
                    metrics.upstreamFirstByte(pool.model(), System.nanoTime() - sent);
                    attempt.answered(answer.result());
                }
            });
        });
    }

    /**
     * No replica is free: wait for the first one to be (replicas still loading included), if
     * the deadline allows, else 503 or 429.
     */
    private void waitOrGiveUp(long now) {
        long wait = pool.nextAvailableIn(now, config.health().interval());
        if (wait >= 0 && now + wait < deadline && attempts < config.retry().maxAttempts()) {
            vertx.setTimer(Math.max(1, wait / 1_000_000), id -> attempt());
            return;
        }
        long seconds = Math.max(1, (Math.max(wait, 0) + 999_999_999L) / 1_000_000_000L);
        RouterError.retryLater(attempts == 0 ? 503 : lastRefusal, "No replica of '"
                + pool.model() + "' can take the request now (tried " + attempts
                + "); retry shortly", "no_replica_available", seconds).send(response);
    }

    private boolean mayRetry() {
        return !clientGone && attempts < config.retry().maxAttempts()
                && System.nanoTime() < deadline;
    }

    /** One upstream try: holds the replica's outstanding count until it ends, once. */
    private final class Attempt {

        private final Replica replica;
        private boolean released;

        Attempt(Replica replica) {
            this.replica = replica;
        }

        void release() {
            if (!released) {
                released = true;
                replica.end();
            }
        }

        /** No answer came back: the replica is ejected and the request tried elsewhere. */
        void failed(String reason, Throwable cause) {
            release();
            upstream = null;
            if (clientGone) {
                return;
            }
            eject(replica, cause);
            if (mayRetry()) {
                metrics.retry(pool.model(), reason);
                attempt();
            } else {
                RouterError.of(502, "The replica of '" + pool.model() + "' failed before"
                        + " answering (" + cause.getMessage() + ") and no retry is left",
                        "upstream_failed", null).send(response);
            }
        }

        void answered(HttpClientResponse answer) {
            int status = answer.statusCode();
            long now = System.nanoTime();
            if ((status == 503 || status == 429) && mayRetry()) {
                Duration wait = RetryAfter.parse(answer.getHeader("Retry-After"), DEFAULT_BUSY);
                replica.busyFor(now, wait);
                if (status == 503 && answer.getHeader("Retry-After") == null) {
                    // Loading or draining: out until its health check says ready again.
                    replica.ready(false);
                }
                lastRefusal = status;
                metrics.retry(pool.model(), "status_" + status);
                // Read the refusal to its end so that the connection can be reused.
                answer.body().onComplete(read -> {
                    release();
                    upstream = null;
                    attempt();
                });
                return;
            }
            if (status >= 500 && status != 503) {
                if (replica.serverError(config.health())) {
                    eject(replica, new IllegalStateException("HTTP " + status));
                }
            } else if (status < 500) {
                replica.answered();
            }
            new StreamRelay(answer, response).start(failure -> {
                release();
                upstream = null;
                if (failure != null && !clientGone) {
                    metrics.streamLost(pool.model());
                    eject(replica, failure);
                }
            });
        }
    }

    private void eject(Replica replica, Throwable cause) {
        replica.eject(System.nanoTime(), config.health()).ifPresent(backOff -> {
            metrics.ejection(pool.model());
            LOG.log(System.Logger.Level.WARNING, "ejected replica " + replica + " for "
                    + backOff.toMillis() + " ms: " + cause.getMessage());
        });
    }
}
