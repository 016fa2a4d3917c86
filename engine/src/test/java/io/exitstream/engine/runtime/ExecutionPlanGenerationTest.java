package io.exitstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Static skip schedules in generation, and the per-token reports. */
class ExecutionPlanGenerationTest {

    private static final int[] BOS = Shipped.BOS_PROMPT;
    private final LlamaModel model = Shipped.model();

    @Test
    void theFullModelReportsEveryLayerAndTheLastExit() {
        try (Generator generator = new Generator(model, 1, 64)) {
            Sequence s = generator.generate(Requests.greedy(BOS, 20), t -> { });
            assertThat(s.plan()).isEqualTo(ExecutionPlan.full());
            assertThat(s.reports()).hasSize(20).allSatisfy(r -> {
                assertThat(r.planVersion()).isZero();
                assertThat(r.exitLayer()).isEqualTo(Shipped.LAST);
                assertThat(r.layersExecuted()).isEqualTo(Shipped.LAYERS);
                assertThat(r.confidence()).isNaN();
                assertThat(r.drafted()).isZero();
                assertThat(r.accepted()).isZero();
            });
            for (int i = 0; i < 20; i++) {
                assertThat(s.report(i).token()).isEqualTo(s.token(i));
            }
        }
    }

    @Test
    void skippedLayersDoNotRunAndChangeTheOutput() {
        try (Generator generator = new Generator(model, 1, 128)) {
            generator.setPlan(new ExecutionPlan(3, List.of(2), new ExitPolicy.None()));
            Sequence middle = generator.generate(Requests.greedy(BOS, 60), t -> { });
            assertThat(middle.reports()).allSatisfy(r -> {
                assertThat(r.planVersion()).isEqualTo(3);
                assertThat(r.layersExecuted()).isEqualTo(Shipped.LAYERS - 1);
                assertThat(r.exitLayer()).isEqualTo(Shipped.LAST);
            });
            assertThat(middle.generated()).isNotEqualTo(Shipped.greedyIds(60));

            generator.setPlan(new ExecutionPlan(4, List.of(1, Shipped.LAST),
                    new ExitPolicy.None()));
            Sequence lastSkipped = generator.generate(Requests.greedy(BOS, 60), t -> { });
            assertThat(lastSkipped.reports()).allSatisfy(r -> {
                assertThat(r.layersExecuted()).isEqualTo(Shipped.LAYERS - 2);
                assertThat(r.exitLayer()).isEqualTo(Shipped.LAST - 1);
            });
            assertThat(lastSkipped.generated()).isNotEqualTo(middle.generated());
        }
    }

    @Test
    void aNewPlanAppliesToSequencesStartedAfterIt() {
        ExecutionPlan skipping = new ExecutionPlan(1, List.of(3), new ExitPolicy.None());
        int[] fullAlone;
        int[] skippingAlone;
        try (Generator generator = new Generator(model, 1, 128)) {
            fullAlone = generator.generate(Requests.greedy(BOS, 30), t -> { }).generated();
            generator.setPlan(skipping);
            skippingAlone = generator.generate(Requests.greedy(BOS, 30), t -> { }).generated();
        }
        try (Generator generator = new Generator(model, 2, 128)) {
            List<Sequence> batch = new ArrayList<>();
            batch.add(generator.start(Requests.greedy(BOS, 30)));
            generator.step(batch);
            generator.setPlan(skipping);
            batch.add(generator.start(Requests.greedy(BOS, 30)));
            while (batch.stream().anyMatch(s -> !s.isFinished())) {
                generator.step(batch);
            }
            assertThat(batch.get(0).plan()).isEqualTo(ExecutionPlan.full());
            assertThat(batch.get(0).generated()).isEqualTo(fullAlone);
            assertThat(batch.get(1).plan()).isEqualTo(skipping);
            assertThat(batch.get(1).generated()).isEqualTo(skippingAlone);
            batch.forEach(generator::release);
        }
    }

    @Test
    void plansTheGeneratorCannotRunAreRefusedAndTheOldPlanStays() {
        try (Generator generator = new Generator(model, 1, 64)) {
            assertThatThrownBy(() -> generator.setPlan(
                    new ExecutionPlan(1, List.of(8), new ExitPolicy.None())))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("skipped layer 8 is outside the model's layers 0..7");
            TreeMap<Integer, Float> thresholds = new TreeMap<>();
            thresholds.put(2, 0.9f);
            assertThatThrownBy(() -> generator.setPlan(new ExecutionPlan(1, List.of(),
                    new ExitPolicy.Confidence(thresholds, 1))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("the plan exits at layer 2 but the model has no exit head there"
                            + " (it has no exit heads)");
            assertThat(generator.plan()).isEqualTo(ExecutionPlan.full());
        }
    }
}
