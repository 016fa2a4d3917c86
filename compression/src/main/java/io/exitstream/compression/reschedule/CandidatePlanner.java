package io.exitstream.compression.reschedule;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * With the candidate comes the standard error of its expected gain, so that the gate can ask
 * for a gain the window's evidence supports. Confidence exits certified on the gate's text
 * ({@link CertifiedExits}) are a candidate too, for plans that skip no layer.
 * {@link #candidates} ranks the alternatives, so that the gate can fall back to a slower plan
 * when the fastest breaks a quality budget.
 */
public final class CandidatePlanner {

    private final int layers;
    private final PlannerLimits limits;
    private final DraftAcceptance estimate;
    private final Optional<CertifiedExits> exits;

    /** A planner that proposes no confidence exits. */
    public CandidatePlanner(int layers, PlannerLimits limits, DraftAcceptance estimate) {
        this(layers, limits, estimate, Optional.empty());
    }

    /**
     * @param layers the model's layer count
     * @param estimate draft acceptance where live telemetry has none
     * @param exits confidence exits certified on the gate's text, proposed without skipped
     *     layers (the certification ran on the full model's layers)
     */
    public CandidatePlanner(int layers, PlannerLimits limits, DraftAcceptance estimate,
            Optional<CertifiedExits> exits) {
        this.layers = layers;
        this.limits = limits;
        this.estimate = estimate;
        this.exits = exits;
    }

    /**
     * The candidate for a window: the fastest of {@link #candidates}.
     *
     * @param current the plan in force
     * @throws IllegalArgumentException if the window has no plain decode latency to fit costs to
     */
    public Candidate derive(WindowStats stats, ExecutionPlan current) {
        return candidates(stats, current).get(0);
    }

    /**
     * The plans worth judging for a window, fastest expected first, each with its expected gain
     * and error: the best exit policy over the layers to skip (the plan in force's and the
     * window's least influential), the best over the plan in force's skips only, and the
     * certified confidence exits, which skip no layer. A faster plan the gate rejects for
     * quality then leaves a slower one that may pass.
     *
     * @param current the plan in force
     * @throws IllegalArgumentException if the window has no plain decode latency to fit costs to
     */
    public List<Candidate> candidates(WindowStats stats, ExecutionPlan current) {
        CostModel cost = CostModel.fit(stats.latencyByDepth());
        long version = Math.max(current.version(), stats.maxPlanVersion()) + 1;
        Rate currentAcceptance = current.exit() instanceof ExitPolicy.SelfSpeculative s
                ? acceptance(stats, current, current.skippedLayers(), s.exitLayer())
                : Rate.NONE;
        PlanSpeed currentSpeed = speed(current, stats);
        double currentTokensPerSecond = currentSpeed.at(cost.overheadSeconds(),
                cost.perLayerSeconds(), currentAcceptance.value());
        Map<String, Candidate> byShape = new LinkedHashMap<>();
        List<Priced> priced = new ArrayList<>();
        for (List<Integer> skipped : new LinkedHashSet<>(List.of(skippedLayers(stats, current),
                current.skippedLayers()))) {
            priced.add(fastestExit(stats, current, cost, version, skipped));
        }
        exits.ifPresent(e -> {
            ExecutionPlan plan = new ExecutionPlan(version, List.of(), e.policy());
            priced.add(new Priced(plan, speed(plan, stats).at(cost.overheadSeconds(),
                    cost.perLayerSeconds(), Double.NaN), Rate.NONE));
        });
        priced.sort(Comparator.comparingDouble(Priced::speed).reversed());
        for (Priced p : priced) {
            byShape.putIfAbsent(LoopState.shape(p.plan()), new Candidate(p.plan(), current,
                    cost, p.speed(), currentTokensPerSecond, gainError(cost,
                            speed(p.plan(), stats), p.acceptance(), currentSpeed,
                            currentAcceptance)));
        }
        return List.copyOf(byShape.values());
    }

    /** A plan with its expected speed and the draft acceptance that went into it. */
    private record Priced(ExecutionPlan plan, double speed, Rate acceptance) {
    }

    /** No early exit or self-speculation over {@code skipped}, whichever is expected faster. */
    private Priced fastestExit(WindowStats stats, ExecutionPlan current, CostModel cost,
            long version, List<Integer> skipped) {
        ExecutionPlan best = new ExecutionPlan(version, skipped, new ExitPolicy.None());
        Rate bestAcceptance = Rate.NONE;
        double bestSpeed = cost.tokensPerSecond(best, layers, Double.NaN);
        int[] kept = best.keptLayers(0, layers);
        // Every kept layer but the last may draft; the layers above it verify.
        for (int i = 0; i < kept.length - 1; i++) {
            Rate acceptance = acceptance(stats, current, skipped, kept[i]);
            if (Double.isNaN(acceptance.value())) {
                continue;
            }
            for (int k = 2; k <= limits.maxDraftTokens(); k++) {
                ExecutionPlan plan = new ExecutionPlan(version, skipped,
                        new ExitPolicy.SelfSpeculative(kept[i], k));
                double speed = cost.tokensPerSecond(plan, layers, acceptance.value());
                if (speed > bestSpeed) {
                    best = plan;
                    bestSpeed = speed;
                    bestAcceptance = acceptance;
                }
            }
        }
        return new Priced(best, bestSpeed, bestAcceptance);
    }

    /** A plan's expected tokens/s as a function of the cost model and the draft acceptance. */
    @FunctionalInterface
    private interface PlanSpeed {
        double at(double overhead, double perLayer, double acceptance);
    }

    /**
     * How fast {@code plan} runs: by its layers and drafts ({@link CostModel}); under confidence
     * exits, by the layers a token runs on average: on the calibration text for the certified
     * exits, in the window's plain steps for confidence exits in force.
     */
    private PlanSpeed speed(ExecutionPlan plan, WindowStats stats) {
        if (!(plan.exit() instanceof ExitPolicy.Confidence)) {
            return (o, p, a) -> CostModel.tokensPerSecond(o, p, plan, layers, a);
        }
        double meanLayers = exits.isPresent() && plan.exit().equals(exits.get().policy())
                && plan.skippedLayers().isEmpty() && !isInForce(plan, stats)
                ? exits.get().meanLayers() : liveMeanLayers(stats);
        return (o, p, a) -> 1 / (o + p * meanLayers);
    }

    /** Whether the window's tokens ran under {@code plan}'s version already. */
    private static boolean isInForce(ExecutionPlan plan, WindowStats stats) {
        return stats.speedByVersion().containsKey(plan.version());
    }

    /** Layers per token of the window's plain decode steps. */
    private static double liveMeanLayers(WindowStats stats) {
        double tokens = 0;
        double layers = 0;
        for (var e : stats.latencyByDepth().entrySet()) {
            tokens += e.getValue().count();
            layers += e.getKey() * (double) e.getValue().count();
        }
        return layers / tokens;
    }

    /**
     * An acceptance rate and its sampling variance.
     *
     * @param value per-draft acceptance; NaN when unknown or not needed
     * @param variance of the estimate
     */
    private record Rate(double value, double variance) {

        static final Rate NONE = new Rate(Double.NaN, 0);

        /** A rate measured as a fraction of {@code samples} drafts. */
        static Rate measured(double value, double samples) {
            return new Rate(value, value * (1 - value) / samples);
        }

        double relativeVariance() {
            return value > 0 ? variance / (value * value) : 0;
        }
    }

    /**
     * The standard error of the candidate's gain over the current plan: the gain moves with the
     * cost model's two parameters and the two acceptance rates, each by its own error (delta
     * method, derivatives by central differences).
     */
    private static double gainError(CostModel cost, PlanSpeed candidate, Rate candidateRate,
            PlanSpeed current, Rate currentRate) {
        double[] at = {cost.overheadSeconds(), cost.perLayerSeconds(),
                candidateRate.value(), currentRate.value()};
        double[] gradient = new double[at.length];
        for (int i = 0; i < at.length; i++) {
            if (Double.isNaN(at[i])) {
                continue;
            }
            double h = i < 2 ? 1e-6 * cost.perLayerSeconds() : 1e-6;
            double[] up = at.clone();
            double[] down = at.clone();
            up[i] += h;
            down[i] -= h;
            gradient[i] = (gain(up, candidate, current) - gain(down, candidate, current))
                    / (2 * h);
        }
        CostModel.Covariance c = cost.uncertainty();
        double variance = gradient[0] * gradient[0] * c.overhead()
                + gradient[1] * gradient[1] * c.perLayer()
                + 2 * gradient[0] * gradient[1] * c.both()
                + gradient[2] * gradient[2] * candidateRate.variance()
                + gradient[3] * gradient[3] * currentRate.variance();
        return Math.sqrt(Math.max(0, variance));
    }

    private static double gain(double[] at, PlanSpeed candidate, PlanSpeed current) {
        return candidate.at(at[0], at[1], at[2]) / current.at(at[0], at[1], at[3]) - 1;
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

    /**
     * The acceptance of drafts from {@code exitLayer} over {@code skipped}: live, if the current
     * plan drafts so; otherwise the estimate, scaled by how live traffic drafts compared with
     * the estimate where the current plan drafts. Without that scaling the plan in force
     * (judged live) and a candidate (judged on calibration text) are not compared alike, and
     * whichever plan is not in force can look better each time: plans alternate.
     */
    private Rate acceptance(WindowStats stats, ExecutionPlan current, List<Integer> skipped,
            int exitLayer) {
        Rate estimated = Rate.measured(estimate.rate(skipped, exitLayer),
                estimate.samples(skipped, exitLayer));
        WindowStats.Acceptance live = stats.acceptance().get(current.version());
        if (live == null || live.drafted() == 0
                || !(current.exit() instanceof ExitPolicy.SelfSpeculative s)) {
            return estimated;
        }
        Rate liveRate = Rate.measured(live.rate(), live.drafted());
        if (current.skippedLayers().equals(skipped) && s.exitLayer() == exitLayer) {
            return liveRate;
        }
        Rate estimatedHere = Rate.measured(estimate.rate(current.skippedLayers(), s.exitLayer()),
                estimate.samples(current.skippedLayers(), s.exitLayer()));
        if (Double.isNaN(estimated.value()) || !(estimatedHere.value() > 0)) {
            return estimated;
        }
        double value = Math.min(1, estimated.value() * liveRate.value() / estimatedHere.value());
        // Relative errors of a product and a quotient add in quadrature.
        return new Rate(value, value * value * (estimated.relativeVariance()
                + liveRate.relativeVariance() + estimatedHere.relativeVariance()));
    }
}
