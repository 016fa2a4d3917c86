package io.exitstream.compression;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Certified skip schedules on the shipped model: ranked on half of its own text, tested on the
 * rest.
 */
class SkipCalibrationTest {

    @Test
    void theChosenScheduleIsTheLongestPrefixOfTheRankingThatPassed() {
        Corpus.Split split = Stories.generated().split(0.5);
        List<Integer> ranking = LayerAnalysis.analyze(Stories.model(), split.train(), 0.05,
                Progress.NONE).ranking();
        try (PlanEvaluator heldOut = new PlanEvaluator(Stories.model(), split.heldOut())) {
            // Even the least harmful layer's skip changes some of the model's predictions: at
            // 99.9% not even the first candidate passes, and the plan is the full model.
            SkipCalibration.Result strict = SkipCalibration.calibrate(heldOut, ranking,
                    new ThresholdCalibration.Target(0.999, 0.1), 3, Progress.NONE);
            assertThat(strict.tests()).hasSize(1);
            assertThat(strict.tests().get(0).skipped()).containsExactly(ranking.get(0));
            assertThat(strict.tests().get(0).passed()).isFalse();
            assertThat(strict.plan().skippedLayers()).isEmpty();
            assertThat(strict.plan().version()).isEqualTo(3);

            // A lenient target passes candidates until one fails, or all (every layer but one).
            int candidates = Stories.layers() - 1;
            SkipCalibration.Result lenient = SkipCalibration.calibrate(heldOut, ranking,
                    new ThresholdCalibration.Target(0.2, 0.1), 3, Progress.NONE);
            List<SkipCalibration.Test> tests = lenient.tests();
            assertThat(tests.size()).isBetween(2, candidates);
            for (int i = 0; i < tests.size(); i++) {
                SkipCalibration.Test t = tests.get(i);
                assertThat(t.skipped()).hasSize(i + 1)
                        .containsExactlyInAnyOrderElementsOf(ranking.subList(0, i + 1));
                assertThat(t.quality().meanLayers()).isEqualTo(Stories.layers() - (i + 1));
                assertThat(t.passed()).isEqualTo(t.pValue() <= 0.1);
                if (i < tests.size() - 1) {
                    assertThat(t.passed()).as("test %d, before the last", i).isTrue();
                }
            }
            SkipCalibration.Test last = tests.get(tests.size() - 1);
            if (tests.size() < candidates) {
                // The sequence stopped early, so at a failure.
                assertThat(last.passed()).isFalse();
            }
            SkipCalibration.Test chosen = last.passed() ? last : tests.get(tests.size() - 2);
            assertThat(lenient.plan().skippedLayers()).isEqualTo(chosen.skipped());
        }
    }
}
