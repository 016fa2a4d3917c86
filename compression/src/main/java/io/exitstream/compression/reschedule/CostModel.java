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
 */
public record CostModel(double overheadSeconds, double perLayerSeconds) {

    /**
     * The overhead, in layers, assumed when every measured token ran the same number of layers
     * (a full-model window), so that intercept and slope cannot both be fitted: the LM head and
     * embedding together cost about as much as one block of a small model.
     */
    static final double DEFAULT_OVERHEAD_LAYERS = 1.0;

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
            double w = e.getValue().count();
            double x = e.getKey();
            double y = e.getValue().mean();
            n += w;
            sx += w * x;
            sy += w * y;
            sxx += w * x * x;
            sxy += w * x * y;
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
                return new CostModel(intercept, slope);
            }
        }
        double perLayer = meanY / (meanX + DEFAULT_OVERHEAD_LAYERS);
        return new CostModel(perLayer * DEFAULT_OVERHEAD_LAYERS, perLayer);
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
        int kept = layers - plan.skippedLayers().size();
        if (!(plan.exit() instanceof ExitPolicy.SelfSpeculative speculative)) {
            return 1.0 / seconds(kept);
        }
        int draftLayers = plan.keptLayers(0, speculative.exitLayer() + 1).length;
        int k = speculative.draftTokens();
        double roundSeconds = k * seconds(draftLayers) + seconds(kept - draftLayers);
        double a = Math.max(0, Math.min(1, acceptance));
        double tokens = a >= 1 ? k : (1 - Math.pow(a, k)) / (1 - a);
        return tokens / roundSeconds;
    }
}
