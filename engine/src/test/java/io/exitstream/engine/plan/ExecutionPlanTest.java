package io.exitstream.engine.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exitstream.engine.model.ModelConfig;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ExecutionPlanTest {

    /** stories260K's shape: five layers. */
    private static final ModelConfig FIVE_LAYERS =
            ModelConfig.llama2c(64, 172, 5, 8, 4, 512, 512, true);

    @Test
    void theFullPlanSkipsNothingAndNeverExits() {
        ExecutionPlan full = ExecutionPlan.full();
        assertThat(full.version()).isZero();
        assertThat(full.skippedLayers()).isEmpty();
        assertThat(full.exit()).isInstanceOf(ExitPolicy.None.class);
        assertThat(full.keptLayers(0, 5)).containsExactly(0, 1, 2, 3, 4);
    }

    @Test
    void everyPolicySurvivesARoundTripThroughJson() {
        TreeMap<Integer, Float> thresholds = new TreeMap<>();
        thresholds.put(3, 0.75f);
        thresholds.put(2, 0.9f);
        List<ExecutionPlan> plans = List.of(
                ExecutionPlan.full(),
                new ExecutionPlan(7, List.of(3, 1, 3), new ExitPolicy.None()),
                new ExecutionPlan(8, List.of(1), new ExitPolicy.Confidence(thresholds, 2)),
                new ExecutionPlan(9, List.of(), new ExitPolicy.SelfSpeculative(2, 4)));
        for (ExecutionPlan plan : plans) {
            assertThat(ExecutionPlan.parse(plan.toJson(), FIVE_LAYERS)).isEqualTo(plan);
        }
        assertThat(plans.get(1).skippedLayers()).containsExactly(1, 3);
        assertThat(plans.get(1).keptLayers(0, 5)).containsExactly(0, 2, 4);
    }

    @Test
    void missingFieldsTakeTheirDefaults() {
        ExecutionPlan plan = ExecutionPlan.parse("{\"version\": 4}", FIVE_LAYERS);
        assertThat(plan).isEqualTo(new ExecutionPlan(4, List.of(), new ExitPolicy.None()));
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "{\"version\": 1, \"skipped_layers\": [5]}"
                + "| skipped layer 5 is outside the model's layers 0..4",
        "{\"version\": 1, \"skipped_layers\": [-1]}| skipped layer -1 is not a layer index",
        "{\"version\": 1, \"skipped_layers\": [0, 1, 2, 3, 4]}"
                + "| the plan skips all 5 layers of the model",
        "{\"version\": 1, \"exit\": {\"type\": \"self_speculative\", \"exit_layer\": 4,"
                + " \"draft_tokens\": 2}}| exit layer 4 is outside 0..3",
        "{\"version\": 1, \"skipped_layers\": [2], \"exit\": {\"type\": \"self_speculative\","
                + " \"exit_layer\": 2, \"draft_tokens\": 2}}| exit layer 2 is skipped by the plan",
        "{\"version\": 1, \"skipped_layers\": [3, 4], \"exit\": {\"type\": \"self_speculative\","
                + " \"exit_layer\": 2, \"draft_tokens\": 2}}"
                + "| every layer above exit layer 2 is skipped, so nothing would verify the drafts",
        "{\"version\": 1, \"exit\": {\"type\": \"self_speculative\", \"exit_layer\": 2,"
                + " \"draft_tokens\": 0}}| draft_tokens must be at least 1, got 0",
        "{\"version\": 1, \"exit\": {\"type\": \"confidence\", \"thresholds\": {\"2\": 1.5},"
                + " \"min_exit_layer\": 1}}| threshold 1.5 for layer 2 is outside (0, 1]",
        "{\"version\": 1, \"exit\": {\"type\": \"confidence\", \"thresholds\": {\"2\": 0},"
                + " \"min_exit_layer\": 1}}| threshold 0.0 for layer 2 is outside (0, 1]",
        "{\"version\": 1, \"exit\": {\"type\": \"confidence\", \"thresholds\": {\"7\": 0.5},"
                + " \"min_exit_layer\": 1}}| threshold layer 7 is outside 0..4",
        "{\"version\": 1, \"exit\": {\"type\": \"confidence\", \"thresholds\": {\"2\": 0.5},"
                + " \"min_exit_layer\": 5}}| min_exit_layer 5 is outside the model's layers 0..4",
        "{\"version\": 1, \"exit\": {\"type\": \"early\"}}"
                + "| unknown exit policy type \"early\" (expected none, confidence or"
                + " self_speculative)",
        "{\"version\": 1, \"exit\": {\"type\": \"self_speculative\", \"exit_layer\": 2}}"
                + "| the exit policy has no draft_tokens",
        "{\"version\": -3}| version must be >= 0, got -3",
        "{\"skipped_layers\": []}| the plan has no version",
        "[1, 2]| malformed plan JSON: expected an object",
    })
    void invalidPlansAreRejectedWithOneClearLine(String json, String message) {
        assertThatThrownBy(() -> ExecutionPlan.parse(json, FIVE_LAYERS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message.strip());
    }

    @Test
    void malformedJsonIsRejectedWithOneLine() {
        assertThatThrownBy(() -> ExecutionPlan.parse("{\"version\": 1,", FIVE_LAYERS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("malformed plan JSON: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
