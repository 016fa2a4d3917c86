package io.exitstream.compression.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exitstream.engine.model.LayerShape;
import io.exitstream.engine.model.ModelConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Targets are checked on their own and against the model's shape, before any work. */
class PruneTargetTest {

    /** stories260K's shape. */
    private static final ModelConfig SHAPE = ModelConfig.llama2c(64, 172, 5, 8, 4, 512, 512,
            true);

    @Test
    void ratiosBecomeWholeLayersOrNeuronsNearestTheShareOfParameters() {
        assertThat(new PruneTarget(Criterion.LAYERS, 0.2, null).amount(SHAPE)).isEqualTo(1);
        assertThat(new PruneTarget(Criterion.ANGULAR, 0.4, null).amount(SHAPE)).isEqualTo(2);
        // 20% of 260032 parameters is 52006, at 3 * 64 * 5 per neuron removed from each layer.
        assertThat(new PruneTarget(Criterion.FFN_WANDA, 0.2, null).amount(SHAPE)).isEqualTo(54);
        assertThat(new PruneTarget(Criterion.LAYERS, null, 3).amount(SHAPE)).isEqualTo(3);
        // Heads go as a KV head with its 2 query heads: 3072 parameters, 8 groups for 10%.
        assertThat(new PruneTarget(Criterion.HEADS, 0.1, null).amount(SHAPE)).isEqualTo(8);
        assertThat(new PruneTarget(Criterion.HEADS, null, 30).amount(SHAPE)).isEqualTo(15);
    }

    @Test
    void badTargetsAreRejectedWithTheReason() {
        assertThatThrownBy(() -> Criterion.parse("sparsegpt"))
                .hasMessageContaining("unknown criterion 'sparsegpt'")
                .hasMessageContaining("wanda");
        assertThatThrownBy(() -> new PruneTarget(Criterion.WANDA, 1.0, null))
                .hasMessage("--ratio must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> new PruneTarget(Criterion.WANDA, -0.1, null))
                .hasMessageContaining("--ratio must be in [0, 1)");
        assertThatThrownBy(() -> new PruneTarget(Criterion.LAYERS, null, null))
                .hasMessage("layers needs --ratio or --count");
        assertThatThrownBy(() -> new PruneTarget(Criterion.TWO_FOUR_WANDA, 0.5, null))
                .hasMessageContaining("always removes 2 of every 4");
        assertThatThrownBy(() -> new PruneTarget(Criterion.HEADS, null, 32).amount(SHAPE))
                .hasMessage("removing 32 of 40 heads would prune every head of a layer; at most"
                        + " 30 can go (one group of 2 stays in each of 5 layers), 17.7% of the"
                        + " parameters");
        assertThatThrownBy(() -> new PruneTarget(Criterion.HEADS, 0.2, null).amount(SHAPE))
                .hasMessageContaining("removing 34 of 40 heads would prune every head");
        assertThatThrownBy(() -> new PruneTarget(Criterion.HEADS, null, 3).amount(SHAPE))
                .hasMessage("heads go with their key/value head, in groups of 2; --count must be"
                        + " a multiple of 2, got 3");
        assertThatThrownBy(() -> new PruneTarget(Criterion.LAYERS, null, 5).amount(SHAPE))
                .hasMessageContaining("leaves none");
        assertThatThrownBy(() -> new PruneTarget(Criterion.FFN_MAGNITUDE, 0.9, null)
                .amount(SHAPE)).hasMessageContaining("FFN neurons per layer leaves none");
        ModelConfig narrowed = SHAPE.withLayerShapes(List.of(new LayerShape(8, 4, 172),
                new LayerShape(8, 4, 30), new LayerShape(2, 1, 172), new LayerShape(8, 4, 172),
                new LayerShape(8, 4, 172)));
        assertThatThrownBy(() -> new PruneTarget(Criterion.FFN_MAGNITUDE, null, 30)
                .amount(narrowed)).hasMessage("removing 30 FFN neurons per layer leaves none in"
                        + " a layer of 30; ask for fewer");
    }
}
