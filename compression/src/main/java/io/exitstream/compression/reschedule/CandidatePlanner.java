package io.exitstream.compression.reschedule;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * Derives a candidate plan from one window of telemetry:
 * <ol>
 * <li>layers to skip: those the current plan skips, then the running layers of lowest live
 *     block influence, as long as their influence is within {@link PlannerLimits#maxInfluence}
 *     and the total within {@link PlannerLimits#maxSkippedLayers}; never the first or the last
 *     layer;
 * <li>the exit policy: none, or the self-speculative exit layer and draft depth that the
 *     {@link CostModel} fitted to the window expects to be fastest. Draft acceptance comes
 *     from live telemetry when the current plan speculates from that layer over the same
 *     skipped layers, otherwise from a {@link DraftAcceptance} estimate.
 * </ol>
 * Confidence exits are not proposed: the engine's generator does not run them.
 */
public final class CandidatePlanner {

    private final int layers;
    private final PlannerLimits limits;
    private final DraftAcceptance estimate;

    /**
     * @param layers the model's layer count
     * @param estimate draft acceptance where live telemetry has none
     */
    public CandidatePlanner(int layers, PlannerLimits limits, DraftAcceptance estimate) {
        this.layers = layers;
        this.limits = limits;
        this.estimate = estimate;
    }

    /**
     * The candidate for a window.
     *
     * @param current the plan in force
     * @throws IllegalArgumentException if the window has no plain decode latency to fit costs to
     */
    public Candidate derive(WindowStats stats, ExecutionPlan current) {
        CostModel cost = CostModel.fit(stats.latencyByDepth());
        List<Integer> skipped = skippedLayers(stats, current);
        long version = Math.max(current.version(), stats.maxPlanVersion()) + 1;
        ExecutionPlan best = new ExecutionPlan(version, skipped, new ExitPolicy.None());
        double bestSpeed = cost.tokensPerSecond(best, layers, Double.NaN);
        int[] kept = best.keptLayers(0, layers);
        // Every kept layer but the last may draft; the layers above it verify.
        for (int i = 0; i < kept.length - 1; i++) {
            double acceptance = acceptance(stats, current, skipped, kept[i]);
            if (Double.isNaN(acceptance)) {
                continue;
            }
            for (int k = 2; k <= limits.maxDraftTokens(); k++) {
                ExecutionPlan plan = new ExecutionPlan(version, skipped,
                        new ExitPolicy.SelfSpeculative(kept[i], k));
                double speed = cost.tokensPerSecond(plan, layers, acceptance);
                if (speed > bestSpeed) {
                    best = plan;
                    bestSpeed = speed;
                }
            }
        }
        double currentSpeed = cost.tokensPerSecond(current, layers,
                current.exit() instanceof ExitPolicy.SelfSpeculative s
                        ? acceptance(stats, current, current.skippedLayers(), s.exitLayer())
                        : Double.NaN);
        return new Candidate(best, current, cost, bestSpeed, currentSpeed);
    }

    private List<Integer> skippedLayers(WindowStats stats, ExecutionPlan current) {
        TreeSet<Integer> skipped = new TreeSet<>(current.skippedLayers());
        List<Integer> candidates = new ArrayList<>();
        for (int layer = 1; layer < layers - 1; layer++) {
            if (!skipped.contains(layer)
                    && stats.influenceSamples(layer) >= limits.minInfluenceSamples()
                    && stats.influence(layer).getAsDouble() <= limits.maxInfluence()) {
                candidates.add(layer);
            }
        }
        candidates.sort(Comparator.comparingDouble(l -> stats.influence(l).getAsDouble()));
        for (int layer : candidates) {
            if (skipped.size() >= limits.maxSkippedLayers()) {
                break;
            }
            skipped.add(layer);
        }
        return List.copyOf(skipped);
    }

    /** Live acceptance if the current plan drafted from this layer over these skips. */
    private double acceptance(WindowStats stats, ExecutionPlan current, List<Integer> skipped,
            int exitLayer) {
        WindowStats.Acceptance live = stats.acceptance().get(current.version());
        if (live != null && current.skippedLayers().equals(skipped)
                && current.exit() instanceof ExitPolicy.SelfSpeculative s
                && s.exitLayer() == exitLayer) {
            return live.rate();
        }
        return estimate.rate(skipped, exitLayer);
    }
}
