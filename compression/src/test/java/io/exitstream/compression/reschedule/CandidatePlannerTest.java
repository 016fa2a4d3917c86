package io.exitstream.compression.reschedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class CandidatePlannerTest {

    private static WindowStats fullModelWindow() {
        WindowStats stats = new WindowStats();
        Telemetry.fullModelTraffic(0, 40).forEach(stats::add);
        return stats;
    }

    @Test
    void skipsTheLowestInfluenceLayersFirstWithinTheLimit() {
        CandidatePlanner planner = new CandidatePlanner(Telemetry.LAYERS,
                new PlannerLimits(2, 0.5, 8, 0), DraftAcceptance.UNKNOWN);

        Candidate candidate = planner.derive(fullModelWindow(), ExecutionPlan.full());

        // Influence 0.05 (layer 2), then 0.10 (layer 3); layer 1 (0.30) is third.
        assertThat(candidate.plan().skippedLayers()).containsExactly(2, 3);
        assertThat(candidate.plan().exit()).isEqualTo(new ExitPolicy.None());
        assertThat(candidate.plan().version()).isEqualTo(1);
        // 1 ms overhead + 1 ms a layer: 6 ms now, 4 ms without two layers.
        assertThat(candidate.expectedGain()).isCloseTo(0.5, within(1e-9));
    }

    @Test
    void neverSkipsALayerAboveTheInfluenceBudgetNorTheFirstOrLast() {
        CandidatePlanner planner = new CandidatePlanner(Telemetry.LAYERS,
                new PlannerLimits(4, 0.2, 8, 0), DraftAcceptance.UNKNOWN);

        assertThat(planner.derive(fullModelWindow(), ExecutionPlan.full()).plan()
                .skippedLayers()).containsExactly(2, 3);
    }

    @Test
    void keepsTheCurrentSkipsAndCountsVersionsOnFromTheNewest() {
        CandidatePlanner planner = new CandidatePlanner(Telemetry.LAYERS,
                new PlannerLimits(2, 0.5, 8, 0), DraftAcceptance.UNKNOWN);
        ExecutionPlan current = new ExecutionPlan(7, List.of(1), new ExitPolicy.None());

        Candidate candidate = planner.derive(fullModelWindow(), current);

        assertThat(candidate.plan().skippedLayers()).containsExactly(1, 2);
        assertThat(candidate.plan().version()).isEqualTo(8);
    }

    @Test
    void speculatesWhenTheEstimatedAcceptanceMakesItFaster() {
        // Drafts from layer 1 are almost always right: a round of 4 drafts (4 x 3 ms) and one
        // verify pass (4 ms) makes ~3.9 tokens, against 6 ms a token for the full model.
        CandidatePlanner planner = new CandidatePlanner(Telemetry.LAYERS,
                new PlannerLimits(0, 0.5, 8, 4),
                (skipped, exitLayer) -> exitLayer == 1 ? 0.98 : 0.1);

        Candidate candidate = planner.derive(fullModelWindow(), ExecutionPlan.full());

        assertThat(candidate.plan().exit()).isEqualTo(new ExitPolicy.SelfSpeculative(1, 4));
        assertThat(candidate.expectedGain()).isGreaterThan(0.3);
    }

    @Test
    void liveAcceptanceOfTheCurrentPlanOverridesTheEstimate() {
        ExecutionPlan current = new ExecutionPlan(2, List.of(),
                new ExitPolicy.SelfSpeculative(1, 4));
        WindowStats stats = fullModelWindow();
        // Live, drafts from layer 1 were rejected half the time.
        for (int i = 0; i < 10; i++) {
            stats.add(Telemetry.token(0, 2, 2, 9).toBuilder().setDrafted(1)
                    .setAccepted(i % 2).build());
        }
        CandidatePlanner planner = new CandidatePlanner(Telemetry.LAYERS,
                new PlannerLimits(0, 0.5, 8, 4), (skipped, exitLayer) -> 0.98);

        Candidate candidate = planner.derive(stats, current);

        // Half acceptance: speculation from layer 1 is slower than the full model. The estimate
        // said 0.98 where live traffic shows 0.5, so the other layers' estimates (0.98 too) are
        // scaled alike: they would not pay either, and the full model wins. Taken as they are,
        // drafts from layer 2 would win, then lose live, and the plans would alternate.
        assertThat(candidate.currentTokensPerSecond())
                .isLessThan(new CostModel(0.001, 0.001).tokensPerSecond(ExecutionPlan.full(),
                        5, Double.NaN));
        assertThat(candidate.plan().exit()).isEqualTo(new ExitPolicy.None());
    }

    @Test
    void theGainErrorGrowsWithTheScatterOfTheWindowsLatencies() {
        CandidatePlanner planner = new CandidatePlanner(Telemetry.LAYERS,
                new PlannerLimits(1, 0.5, 8, 0), DraftAcceptance.UNKNOWN);

        // Tokens at 5 and 4 layers (a plan half applied): both costs are fitted, with errors.
        double[] errors = new double[2];
        for (int noisy = 0; noisy < 2; noisy++) {
            WindowStats stats = fullModelWindow();
            for (int i = 0; i < 40; i++) {
                double jitter = noisy * (i % 2 == 0 ? 1.5 : -1.5);
                stats.add(Telemetry.token(0, 1, 4, 5 + jitter));
                stats.add(Telemetry.token(0, 0, 5, 6 - jitter));
            }
            errors[noisy] = planner.derive(stats, ExecutionPlan.full()).gainError();
        }

        // Latencies on a line at two depths: the fit has no error; scattered ones do.
        assertThat(errors[0]).isLessThan(1e-6);
        assertThat(errors[1]).isGreaterThan(0.01);
    }

    @Test
    void certifiedConfidenceExitsAreProposedWhenTheyAreExpectedFastest() {
        ExitPolicy.Confidence certified = new ExitPolicy.Confidence(
                new TreeMap<>(Map.of(1, 0.9f, 2, 0.9f, 3, 0.9f)), 1);
        // On the calibration text a token runs 3 of the 5 layers.
        CandidatePlanner planner = new CandidatePlanner(Telemetry.LAYERS,
                new PlannerLimits(0, 0.5, 8, 0), DraftAcceptance.UNKNOWN,
                Optional.of(new CertifiedExits(certified, 3.0,
                        Qualities.of(0.96, 10.2, 10.0, 500))));

        Candidate candidate = planner.derive(fullModelWindow(), ExecutionPlan.full());

        assertThat(candidate.plan().exit()).isEqualTo(certified);
        // 1 ms + 3 x 1 ms a token against 6 ms.
        assertThat(candidate.expectedGain()).isCloseTo(0.5, within(1e-9));
        assertThat(candidate.gainError()).isGreaterThan(0);
    }
}
