package io.exitstream.compression.reschedule;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import java.util.Map;

/**
 * What a token costs, fitted to live step latencies: {@code seconds(d) = overhead + perLayer * d}
 * for a token that runs {@code d} layers. The overhead is everything a step does besides the
 * blocks (embedding, final norm and LM head, sampling, the calls into PyTorch).
 *
 * <p>A plan's expected speed follows from it:
 * <ul>
 * <li>no early exit: one token costs {@code seconds(kept layers)};
 * <li>self-speculation with exit layer E and k drafts: a round costs k drafts through the kept
 *     layers up to E plus one verify pass through the kept layers above E (its k rows share the
 *     weight reads, so it is counted as one row: small-batch decoding is bound by memory), and
 *     yields {@code (1 - a^k) / (1 - a)} tokens for a per-draft acceptance rate a (the engine
 *     emits the accepted drafts, then the full model's token at the first rejection).
 * </ul>
 *
 * @param overheadSeconds per-token cost that does not depend on the layers run
 * @param perLayerSeconds cost of one transformer block for one token
 * @param uncertainty the covariance of the two, from the scatter of the window's latencies
 */
public record CostModel(double overheadSeconds, double perLayerSeconds,
        Covariance uncertainty) {

    /**
     * The covariance of the fitted overhead and per-layer cost (seconds squared).
     *
     * @param overhead the overhead's variance
     * @param perLayer the per-layer cost's variance
     * @param both their covariance
     */
    public record Covariance(double overhead, double perLayer, double both) {

        /** A cost model known exactly. */
        public static final Covariance NONE = new Covariance(0, 0, 0);
    }

    /**
     * The overhead, in layers, assumed when every measured token ran the same number of layers
     * (a full-model window), so that intercept and slope cannot both be fitted: the LM head and
     * embedding together cost about as much as one block of a small model.
     */
    static final double DEFAULT_OVERHEAD_LAYERS = 1.0;

    /**
     * The standard error, in layers, given to that assumed overhead: a full-model window cannot
     * tell it, and every prediction from such a window depends on it.
     */
    static final double OVERHEAD_LAYERS_ERROR = 0.5;

    /** A cost model known exactly. */
    public CostModel(double overheadSeconds, double perLayerSeconds) {
        this(overheadSeconds, perLayerSeconds, Covariance.NONE);
    }

    public CostModel {
        if (!(overheadSeconds >= 0) || !(perLayerSeconds > 0)) {
            throw new IllegalArgumentException("a cost model needs overhead >= 0 and a positive"
                    + " per-layer cost, got " + overheadSeconds + " and " + perLayerSeconds);
        }
    }

    /**
     * Least-squares fit of seconds per token against layers executed, weighted by token counts.
     * Where the fit is degenerate (one depth only, or a negative slope or intercept from noise)
     * it falls back to {@link #DEFAULT_OVERHEAD_LAYERS}.
     *
     * @param byDepth per-token latency observations grouped by layers executed
     * @throws IllegalArgumentException if there is no observation
     */
    public static CostModel fit(Map<Integer, WindowStats.Mean> byDepth) {
        double n = 0;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (Map.Entry<Integer, WindowStats.Mean> e : byDepth.entrySet()) {
            WindowStats.Mean m = e.getValue();
            double x = e.getKey();
            n += m.count();
            sx += m.count() * x;
            sy += m.sum();
            sxx += m.count() * x * x;
            sxy += x * m.sum();
        }
        if (n == 0 || sy <= 0) {
            throw new IllegalArgumentException("no step latency was measured");
        }
        double meanX = sx / n;
        double meanY = sy / n;
        double varX = sxx / n - meanX * meanX;
        if (varX > 1e-9) {
            double slope = (sxy / n - meanX * meanY) / varX;
            double intercept = meanY - slope * meanX;
            if (slope > 0 && intercept >= 0) {
                // Ordinary least squares: sigma^2 (X'X)^-1, sigma^2 from the residuals.
                double sigma2 = residuals(byDepth, intercept, slope) / Math.max(1, n - 2);
                double det = n * sxx - sx * sx;
                return new CostModel(intercept, slope, new Covariance(sigma2 * sxx / det,
                        sigma2 * n / det, -sigma2 * sx / det));
            }
        }
        // One parameter: overhead = DEFAULT_OVERHEAD_LAYERS * perLayer, from the mean alone.
        // The assumed overhead is itself uncertain, by OVERHEAD_LAYERS_ERROR layers.
        double scale = meanX + DEFAULT_OVERHEAD_LAYERS;
        double perLayer = meanY / scale;
        double variance = residuals(byDepth, meanY, 0) / Math.max(1, n - 1) / n / (scale * scale);
        double k = DEFAULT_OVERHEAD_LAYERS;
        double assumed = OVERHEAD_LAYERS_ERROR * perLayer;
        return new CostModel(perLayer * k, perLayer,
                new Covariance(k * k * variance + assumed * assumed, variance, k * variance));
    }

    /** The sum of squared differences between the latencies and intercept + slope * d. */
    private static double residuals(Map<Integer, WindowStats.Mean> byDepth, double intercept,
            double slope) {
        double rss = 0;
        for (Map.Entry<Integer, WindowStats.Mean> e : byDepth.entrySet()) {
            WindowStats.Mean m = e.getValue();
            double fitted = intercept + slope * e.getKey();
            rss += m.squares() - 2 * fitted * m.sum() + m.count() * fitted * fitted;
        }
        return Math.max(0, rss);
    }

    /** Seconds for one token that runs {@code layers} blocks. */
    public double seconds(int layers) {
        return overheadSeconds + perLayerSeconds * layers;
    }

    /**
     * Expected tokens per second of one sequence under {@code plan}.
     *
     * @param layers the model's layer count
     * @param acceptance per-draft acceptance rate in [0, 1], used by self-speculative plans only
     */
    public double tokensPerSecond(ExecutionPlan plan, int layers, double acceptance) {
        return tokensPerSecond(overheadSeconds, perLayerSeconds, plan, layers, acceptance);
    }

    /**
     * As {@link #tokensPerSecond(ExecutionPlan, int, double)} for any overhead and per-layer
     * cost, unchecked: the gain's error is found by moving them a little.
     */
    static double tokensPerSecond(double overhead, double perLayer, ExecutionPlan plan,
            int layers, double acceptance) {
        int kept = layers - plan.skippedLayers().size();
        if (!(plan.exit() instanceof ExitPolicy.SelfSpeculative speculative)) {
            return 1.0 / (overhead + perLayer * kept);
        }
        int draftLayers = plan.keptLayers(0, speculative.exitLayer() + 1).length;
        int k = speculative.draftTokens();
        double roundSeconds = k * (overhead + perLayer * draftLayers)
                + overhead + perLayer * (kept - draftLayers);
        double a = Math.max(0, Math.min(1, acceptance));
        double tokens = a >= 1 ? k : (1 - Math.pow(a, k)) / (1 - a);
        return tokens / roundSeconds;
    }
}
