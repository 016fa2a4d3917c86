package io.exitstream.compression.reschedule;

import java.util.Collections;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one model's token telemetry says over one window: the aggregate the re-scheduler keeps
 * in its window store (as JSON, see {@link WindowStatsSerde}) and derives a candidate plan
 * from. Built by {@link #add} one token at a time; sums, not means, so that it is exact under
 * replays and merges.
 */
public final class WindowStats {

    private long tokens;
    private long maxPlanVersion = -1;
    private TreeMap<Integer, Long> exitLayers = new TreeMap<>();
    private TreeMap<Integer, Mean> influence = new TreeMap<>();
    private Mean confidence = Mean.EMPTY;
    private TreeMap<Long, Acceptance> acceptance = new TreeMap<>();
    private TreeMap<Integer, Mean> latency = new TreeMap<>();

    /**
     * A sum and a count.
     *
     * @param count observations
     * @param sum their total
     */
    public record Mean(long count, double sum) {

        static final Mean EMPTY = new Mean(0, 0);

        /** NaN when there is no observation. */
        public double mean() {
            return count == 0 ? Double.NaN : sum / count;
        }

        Mean plus(double value) {
            return new Mean(count + 1, sum + value);
        }

        static Mean merge(Mean a, Mean b) {
            return new Mean(a.count + b.count, a.sum + b.sum);
        }
    }

    /**
     * Speculative drafts and how many the full model accepted (see the engine's TokenReport:
     * sums over tokens give these totals).
     */
    public record Acceptance(long drafted, long accepted) {

        /** Accepted drafts per draft, NaN when nothing was drafted. */
        public double rate() {
            return drafted == 0 ? Double.NaN : (double) accepted / drafted;
        }

        static Acceptance merge(Acceptance a, Acceptance b) {
            return new Acceptance(a.drafted + b.drafted, a.accepted + b.accepted);
        }
    }

    /**
     * Adds one token.
     *
     * @param planVersion the plan the token was made under
     * @param exitLayer the layer whose output chose the token
     * @param layersExecuted blocks that ran on the token's row
     * @param confidence the exit head's probability for the token, NaN when none was computed
     * @param stepSeconds the decode step's latency
     * @param batchSize rows in that step, so that one token's share is stepSeconds / batchSize
     * @param drafted speculative drafts this token accounts for, 0 without speculation
     * @param accepted 1 for an accepted draft
     * @param blockInfluence each layer's 1 - cos(input, output) for a sampled token, by layer
     *     index (NaN for a layer that did not run); empty for an unsampled token
     * @return this
     */
    WindowStats add(long planVersion, int exitLayer, int layersExecuted, float confidence,
            double stepSeconds, int batchSize, int drafted, int accepted,
            float[] blockInfluence) {
        tokens++;
        maxPlanVersion = Math.max(maxPlanVersion, planVersion);
        exitLayers.merge(exitLayer, 1L, Long::sum);
        for (int layer = 0; layer < blockInfluence.length; layer++) {
            if (!Float.isNaN(blockInfluence[layer])) {
                influence.merge(layer, new Mean(1, blockInfluence[layer]), Mean::merge);
            }
        }
        if (!Float.isNaN(confidence)) {
            this.confidence = this.confidence.plus(confidence);
        }
        if (drafted > 0) {
            acceptance.merge(planVersion, new Acceptance(drafted, accepted), Acceptance::merge);
        } else if (stepSeconds > 0 && batchSize > 0) {
            // A speculative step makes several tokens per row, so its latency says nothing
            // simple about one token's cost: only plain decode steps feed the cost model.
            latency.merge(layersExecuted, new Mean(1, stepSeconds / batchSize), Mean::merge);
        }
        return this;
    }

    /** Tokens in the window. */
    public long tokens() {
        return tokens;
    }

    /** The newest plan version any token ran under, -1 for an empty window. */
    public long maxPlanVersion() {
        return maxPlanVersion;
    }

    /** Tokens by exit layer. */
    public SortedMap<Integer, Long> exitLayers() {
        return Collections.unmodifiableSortedMap(exitLayers);
    }

    /** Mean block influence of {@code layer} over the sampled tokens that ran it. */
    public OptionalDouble influence(int layer) {
        Mean m = influence.get(layer);
        return m == null ? OptionalDouble.empty() : OptionalDouble.of(m.mean());
    }

    /** Tokens sampled for block influence at {@code layer}. */
    public long influenceSamples(int layer) {
        Mean m = influence.get(layer);
        return m == null ? 0 : m.count();
    }

    /** Mean exit-head confidence over the tokens that report one; NaN when none does. */
    public double meanConfidence() {
        return confidence.mean();
    }

    /** Speculative drafts and acceptances by the plan version (exit layer, depth) they ran. */
    public SortedMap<Long, Acceptance> acceptance() {
        return Collections.unmodifiableSortedMap(acceptance);
    }

    /** Seconds per token of plain decode steps, by layers executed. */
    public Map<Integer, Mean> latencyByDepth() {
        return Collections.unmodifiableSortedMap(latency);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WindowStats w && tokens == w.tokens
                && maxPlanVersion == w.maxPlanVersion && exitLayers.equals(w.exitLayers)
                && influence.equals(w.influence) && confidence.equals(w.confidence)
                && acceptance.equals(w.acceptance) && latency.equals(w.latency);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(tokens) * 31 + exitLayers.hashCode();
    }

    @Override
    public String toString() {
        return "WindowStats{tokens=" + tokens + ", exitLayers=" + exitLayers + ", influence="
                + influence + ", acceptance=" + acceptance + ", latency=" + latency + "}";
    }
}
