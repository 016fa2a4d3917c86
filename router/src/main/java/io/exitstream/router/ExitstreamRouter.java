package io.exitstream.router;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A running router: start it from a configuration file (or a configuration, in tests), ask
 * its port, close it. What it does is described in {@code docs/router.md}.
 */
public final class ExitstreamRouter implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Vertx vertx;
    private final RouterVerticle verticle;

    private ExitstreamRouter(Vertx vertx, RouterVerticle verticle) {
        this.vertx = vertx;
        this.verticle = verticle;
    }

    /** Reads and validates {@code file}, starts listening, and re-reads it on admin reload. */
    public static ExitstreamRouter start(Path file) {
        return start(ConfigReader.read(file), () -> ConfigReader.read(file));
    }

    /**
     * Starts with {@code config}; {@code reload} gives the configuration an admin reload
     * applies (it may throw {@link IllegalArgumentException} with one line per error).
     */
    public static ExitstreamRouter start(RouterConfig config, Supplier<RouterConfig> reload) {
        return start(config, reload, Discovery.DNS);
    }

    /** As {@link #start(RouterConfig, Supplier)}, with host names looked up by {@code dns}. */
    static ExitstreamRouter start(RouterConfig config, Supplier<RouterConfig> reload,
            Discovery.Resolver dns) {
        Vertx vertx = Vertx.vertx();
        RouterVerticle verticle = new RouterVerticle(config, reload, new Discovery(dns));
        try {
            vertx.deployVerticle(verticle).toCompletionStage().toCompletableFuture()
                    .get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            vertx.close();
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("the router could not listen on " + config.host()
                    + ":" + config.port() + ": " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            vertx.close();
            throw new IllegalStateException("interrupted while starting the router", e);
        }
        return new ExitstreamRouter(vertx, verticle);
    }

    public int port() {
        return verticle.port();
    }

    /** Stops listening, cuts what is still in flight, and releases the event loop. */
    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture()
                    .get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the router did not stop cleanly: " + e, e);
        }
    }
}
