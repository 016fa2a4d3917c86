package io.exitstream.server;

/**
 * Where the scheduler hands each generated token's telemetry. Called on the scheduler thread
 * for every token, so an implementation must return at once and never block.
 */
@FunctionalInterface
public interface TokenTelemetry {

    /** Telemetry off: tokens are not recorded anywhere. */
    TokenTelemetry OFF = sample -> { };

    void record(TokenSample sample);
}
