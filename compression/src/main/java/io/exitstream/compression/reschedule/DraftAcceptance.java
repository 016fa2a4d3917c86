package io.exitstream.compression.reschedule;

import java.util.List;

/** Estimates how often a self-speculative draft would be accepted, where live data has none. */
@FunctionalInterface
public interface DraftAcceptance {

    /**
     * Per-draft acceptance rate in [0, 1] of drafts from {@code exitLayer} under a plan that
     * skips {@code skippedLayers}; NaN when it cannot be estimated.
     */
    double rate(List<Integer> skippedLayers, int exitLayer);

    /**
     * The drafts (positions) {@link #rate} was measured on, for its sampling error; the default,
     * for an estimate without a sample, takes the rate as exact.
     */
    default long samples(List<Integer> skippedLayers, int exitLayer) {
        return Long.MAX_VALUE;
    }

    /** No estimate anywhere: the planner then considers no speculation it has not seen live. */
    DraftAcceptance UNKNOWN = (skipped, exitLayer) -> Double.NaN;
}
