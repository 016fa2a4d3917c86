package io.exitstream.compression.reschedule;

import io.exitstream.protos.v1.TokenEvent;
import java.util.Collections;
import java.util.List;
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
    /** By plan version, then by batch size: a token's cost depends on the batch it ran in. */
    private TreeMap<Long, TreeMap<Integer, Speed>> speed = new TreeMap<>();

    /**
     * A count, a sum and a sum of squares: the mean and the variance of observations.
     *
     * @param count observations
     * @param sum their total
     * @param squares the total of their squares
     */
    public record Mean(long count, double sum, double squares) {

        static final Mean EMPTY = new Mean(0, 0, 0);

        /** {@code count} observations all equal to {@code sum / count}: no variance. */
        public Mean(long count, double sum) {
            this(count, sum, count == 0 ? 0 : sum * sum / count);
        }

        static Mean of(double value) {
            return new Mean(1, value, value * value);
        }

        /** NaN when there is no observation. */
        public double mean() {
            return count == 0 ? Double.NaN : sum / count;
        }

        /** Sample variance of the observations; NaN for fewer than two. */
        public double variance() {
            if (count < 2) {
                return Double.NaN;
            }
            return Math.max(0, (squares - sum * sum / count) / (count - 1));
        }

        static Mean merge(Mean a, Mean b) {
            return new Mean(a.count + b.count, a.sum + b.sum, a.squares + b.squares);
        }
    }

    /**
     * What the tokens of one plan version cost: the observed speed of that plan (see
     * {@link #tokensPerSecond}).
     *
     * @param tokens tokens made under the version
     * @param plainSeconds the sum, over tokens of plain steps, of step latency / batch size
     * @param draftSeconds the sum, over tokens of speculative steps, of step latency / batch
     *     size times the drafts the token accounts for
     */
    public record Speed(long tokens, double plainSeconds, double draftSeconds) {

        static Speed merge(Speed a, Speed b) {
            return new Speed(a.tokens + b.tokens, a.plainSeconds + b.plainSeconds,
                    a.draftSeconds + b.draftSeconds);
        }

        /**
         * Tokens per second of the machine, in the cost model's unit (a token costs step
         * latency / batch size). A speculative round of k drafts costs its row's share of the
         * step once, and its tokens' drafted counts sum to k, so each token carries
         * drafted / k of that share.
         *
         * @param draftTokens k of the plan the version ran; ignored when nothing was drafted
         */
        public double tokensPerSecond(int draftTokens) {
            double seconds = plainSeconds + (draftSeconds == 0 ? 0 : draftSeconds / draftTokens);
            return seconds > 0 ? tokens / seconds : Double.NaN;
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
     * Adds one token's telemetry.
     *
     * @return this
     */
    public WindowStats add(TokenEvent event) {
        tokens++;
        maxPlanVersion = Math.max(maxPlanVersion, event.getPlanVersion());
        exitLayers.merge(event.getExitLayer(), 1L, Long::sum);
        List<Float> blockInfluence = event.getBlockInfluenceList();
        for (int layer = 0; layer < blockInfluence.size(); layer++) {
            float value = blockInfluence.get(layer);
            // Layers that did not run on the token report NaN: no sample.
            if (!Float.isNaN(value)) {
                influence.merge(layer, Mean.of(value), Mean::merge);
            }
        }
        if (!Float.isNaN(event.getConfidence())) {
            confidence = Mean.merge(confidence, Mean.of(event.getConfidence()));
        }
        double share = event.getStepLatencyNanos() > 0 && event.getBatchSize() > 0
                ? event.getStepLatencyNanos() / 1e9 / event.getBatchSize() : Double.NaN;
        if (event.getDrafted() > 0) {
            acceptance.merge(event.getPlanVersion(),
                    new Acceptance(event.getDrafted(), event.getAccepted()), Acceptance::merge);
            if (!Double.isNaN(share)) {
                addSpeed(event, new Speed(1, 0, share * event.getDrafted()));
            }
        } else if (!Double.isNaN(share)) {
            // A speculative step makes several tokens per row, so its latency says nothing
            // simple about one token's cost: only plain decode steps feed the cost model.
            latency.merge(event.getLayersExecuted(), Mean.of(share), Mean::merge);
            addSpeed(event, new Speed(1, share, 0));
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

    private void addSpeed(TokenEvent event, Speed token) {
        speed.computeIfAbsent(event.getPlanVersion(), v -> new TreeMap<>())
                .merge(event.getBatchSize(), token, Speed::merge);
    }

    /** The observed cost of the tokens of each plan version, all batch sizes together. */
    public SortedMap<Long, Speed> speedByVersion() {
        TreeMap<Long, Speed> byVersion = new TreeMap<>();
        speed.forEach((version, byBatch) -> byBatch.values().forEach(
                s -> byVersion.merge(version, s, Speed::merge)));
        return byVersion;
    }

    /** The observed cost of the tokens of plan {@code version}, by batch size. */
    public SortedMap<Integer, Speed> speedByBatch(long version) {
        TreeMap<Integer, Speed> byBatch = speed.get(version);
        return byBatch == null ? Collections.emptySortedMap()
                : Collections.unmodifiableSortedMap(byBatch);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WindowStats w && tokens == w.tokens
                && maxPlanVersion == w.maxPlanVersion && exitLayers.equals(w.exitLayers)
                && influence.equals(w.influence) && confidence.equals(w.confidence)
                && acceptance.equals(w.acceptance) && latency.equals(w.latency)
                && speed.equals(w.speed);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(tokens) * 31 + exitLayers.hashCode();
    }

    @Override
    public String toString() {
        return "WindowStats{tokens=" + tokens + ", exitLayers=" + exitLayers + ", influence="
                + influence + ", acceptance=" + acceptance + ", latency=" + latency + ", speed="
                + speed + "}";
    }
}
