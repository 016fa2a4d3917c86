package io.exitstream.compression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The evaluator against the full model on the shipped model's own text. */
class PlanEvaluatorTest {

    @Test
    void fullPlanAgreesExactlyAndHasTheModelsPerplexity() {
        double prefillPerplexity = LayerAnalysis.analyze(Stories.model(), Stories.generated(),
                0, Progress.NONE).fullPerplexity();
        try (PlanEvaluator evaluator = new PlanEvaluator(Stories.model(), Stories.generated())) {
            PlanEvaluator.Quality full = evaluator.quality(ExecutionPlan.full());

            assertThat(full.agreement()).isEqualTo(1.0);
            assertThat(full.disagreements()).isZero();
            assertThat(full.meanLayers()).isEqualTo(Stories.layers());
            assertThat(full.tokens()).isEqualTo(Stories.generated().predictions());
            // Decoded one token at a time here, in one prefill pass per sequence there.
            assertThat(full.perplexity()).isCloseTo(prefillPerplexity,
                    within(1e-4 * prefillPerplexity));
            assertThat(full.perplexityChange()).isCloseTo(0.0, within(1e-9));
        }
    }

    @Test
    void skippingALayerCostsAgreementAndALayerPerToken() {
        try (PlanEvaluator evaluator = new PlanEvaluator(Stories.model(), Stories.generated())) {
            PlanEvaluator.Quality skip = evaluator.quality(
                    new ExecutionPlan(1, List.of(2), new ExitPolicy.None()));

            assertThat(skip.meanLayers()).isEqualTo(Stories.layers() - 1);
            assertThat(skip.agreement()).isLessThan(1.0).isGreaterThan(0.2);
            assertThat(skip.perplexityChange()).isPositive();
        }
    }

    @Test
    void selfSpeculationKeepsTheFullModelsPredictionsAndDecodes() {
        try (PlanEvaluator evaluator = new PlanEvaluator(Stories.model(), Stories.generated())) {
            ExecutionPlan speculative = new ExecutionPlan(1, List.of(),
                    new ExitPolicy.SelfSpeculative(3, 2));
            assertThat(evaluator.quality(speculative).agreement()).isEqualTo(1.0);

            PlanEvaluator.Speed speed = evaluator.speed(speculative, 2, 16, 1);
            assertThat(speed.tokensPerSecond()).isPositive();
            assertThat(speed.draftsAccepted()).isBetween(0.0, 1.0);
        }
    }
}
