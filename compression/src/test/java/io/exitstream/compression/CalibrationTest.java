package io.exitstream.compression;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.exits.ExitHead;
import io.exitstream.engine.exits.ExitHeads;
import io.exitstream.engine.plan.ExitPolicy;
import io.exitstream.engine.runtime.LlamaModel;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exit heads trained on text the shipped model wrote itself, and a threshold certified on held-out
 * sequences of it.
 */
class CalibrationTest {

    @TempDir
    Path dir;

    @Test
    void trainedHeadsLoadInTheEngineAndTheCertifiedPlanMeetsItsTarget() {
        Corpus.Split split = Stories.generated().split(0.25);
        ExitHeadTrainer.Result trained = new ExitHeadTrainer(Stories.weights(),
                new ExitHeadTrainer.Options(4, 2, 3e-3f, 1)).train(Stories.model(),
                split.train(), Progress.NONE);

        // A head after every layer but the last, which has the model's own.
        List<Integer> exits = IntStream.range(0, Stories.layers() - 1).boxed().toList();
        assertThat(trained.heads().byLayer().keySet()).containsExactlyElementsOf(exits);
        for (ExitHead head : trained.heads().byLayer().values()) {
            assertThat(head.rank()).isEqualTo(4);
            assertThat(head.dim()).isEqualTo(Stories.weights().config().dim());
        }
        // Deeper exits are closer to the full model.
        List<ExitHeadTrainer.LayerStats> stats = trained.stats();
        ExitHeadTrainer.LayerStats deepest = stats.get(stats.size() - 1);
        assertThat(deepest.kl()).isLessThan(stats.get(0).kl());
        assertThat(deepest.agreement()).isGreaterThan(stats.get(0).agreement());

        Path file = dir.resolve("model.exits.safetensors");
        trained.heads().write(file);
        ExitHeads read = ExitHeads.read(file);
        assertThat(read).isEqualTo(trained.heads());

        try (LlamaModel model = LlamaModel.load(Stories.weights())) {
            model.useExitHeads(read);
            ThresholdCalibration.Target target = new ThresholdCalibration.Target(0.9, 0.1);
            try (PlanEvaluator heldOut = new PlanEvaluator(model, split.heldOut())) {
                ThresholdCalibration.Result result = ThresholdCalibration.calibrate(heldOut,
                        Stories.weights().finalNorm(), exits, 0, target, 1,
                        Progress.NONE);

                assertThat(result.plan()).isNotNull();
                assertThat(result.plan().exit()).isInstanceOf(ExitPolicy.Confidence.class);
                List<ThresholdCalibration.Test> tests = result.tests();
                // Fixed-sequence testing: every test but the last passed.
                assertThat(tests.subList(0, tests.size() - 1))
                        .allMatch(ThresholdCalibration.Test::passed);
                // The strictest candidate was not scored, as it cannot exit: scored, it is
                // indeed the full model.
                ThresholdCalibration.Test strictest = tests.get(0);
                assertThat(strictest.quality()).isSameAs(heldOut.fullQuality());
                PlanEvaluator.Quality scored = heldOut.quality(ThresholdCalibration.plan(
                        exits, 0, strictest.threshold(), 1));
                assertThat(scored.meanLayers()).isEqualTo(Stories.layers());
                assertThat(scored.agreement()).isEqualTo(1.0);

                PlanEvaluator.Quality quality = heldOut.quality(result.plan());
                assertThat(quality.agreement()).isGreaterThanOrEqualTo(0.9);
                assertThat(quality.meanLayers()).isLessThanOrEqualTo(Stories.layers());
            }
        }
    }
}
