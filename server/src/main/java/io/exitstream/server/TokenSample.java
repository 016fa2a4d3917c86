package io.exitstream.server;

import io.exitstream.engine.runtime.TokenReport;

/**
 * One generated token as the scheduler saw it: what a telemetry event is made of. Plain data,
 * built on the scheduler thread and turned into a wire message elsewhere.
 *
 * @param requestId the completion's id in the API
 * @param position index of the token among the request's generated tokens, from 0
 * @param report how the engine made it (exit layer, layers run, plan version, ...)
 * @param stepNanos wall time of the decode step or prefill that made it
 * @param interTokenNanos time since the request's previous token; 0 for its first
 * @param batchSize sequences in that step
 * @param epochMillis when the token was handed to its request
 * @param quality the quality class the request chose, or null for the server's plan
 */
public record TokenSample(String requestId, int position, TokenReport report, long stepNanos,
        long interTokenNanos, int batchSize, long epochMillis, QualityClass quality) {
}
