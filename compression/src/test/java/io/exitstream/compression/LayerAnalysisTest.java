package io.exitstream.compression;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** ShortGPT influence, single-layer perplexities and the budgeted schedule on the shipped model. */
class LayerAnalysisTest {

    @Test
    void influenceAndPerplexityAreSaneAndReproducible() {
        LayerAnalysis.Result first = LayerAnalysis.analyze(Stories.model(), Stories.generated(),
                0.05, Progress.NONE);
        LayerAnalysis.Result second = LayerAnalysis.analyze(Stories.model(), Stories.generated(),
                0.05, Progress.NONE);

        assertThat(second).isEqualTo(first);
        // The model's own samples are likely under it: perplexity well below the vocabulary.
        assertThat(first.fullPerplexity()).isBetween(1.0, 50.0);
        assertThat(first.layers()).hasSize(Stories.layers());
        for (LayerAnalysis.LayerSensitivity s : first.layers()) {
            assertThat(s.influence()).as("layer %d influence", s.layer()).isBetween(0.0, 2.0)
                    .isPositive();
            // Removing a trained layer never makes the model's own text more likely by much.
            assertThat(s.perplexityIncrease()).as("layer %d", s.layer()).isGreaterThan(-0.05);
        }
        assertThat(first.ranking()).containsExactlyInAnyOrderElementsOf(
                IntStream.range(0, Stories.layers()).boxed().toList());
        double leastInfluence = first.layers().get(first.ranking().get(0)).influence();
        assertThat(first.layers()).allSatisfy(s ->
                assertThat(s.influence()).isGreaterThanOrEqualTo(leastInfluence));
    }

    @Test
    void proposedScheduleRespectsTheBudgetAsTheEvaluatorMeasuresIt() {
        for (double budget : new double[] {0.0, 0.3, 2.0}) {
            LayerAnalysis.Result result = LayerAnalysis.analyze(Stories.model(),
                    Stories.generated(), budget, Progress.NONE);
            try (PlanEvaluator evaluator = new PlanEvaluator(Stories.model(),
                    Stories.generated())) {
                PlanEvaluator.Quality quality = evaluator.quality(result.schedule());
                assertThat(quality.perplexityChange()).as("budget %s", budget)
                        .isLessThanOrEqualTo(budget + 1e-4);
                assertThat(quality.meanLayers())
                        .isEqualTo(Stories.layers() - result.schedule().skippedLayers().size());
            }
        }
        LayerAnalysis.Result lenient = LayerAnalysis.analyze(Stories.model(),
                Stories.generated(), Double.POSITIVE_INFINITY, Progress.NONE);
        // No budget still leaves one layer running.
        assertThat(lenient.schedule().skippedLayers()).hasSize(Stories.layers() - 1);
    }
}
