package io.exitstream.compression.reschedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CostModelTest {

    @Test
    void fitsOverheadAndPerLayerCostFromTwoDepths() {
        CostModel cost = CostModel.fit(Map.of(
                5, new WindowStats.Mean(10, 10 * 0.007),
                3, new WindowStats.Mean(30, 30 * 0.005)));

        assertThat(cost.perLayerSeconds()).isCloseTo(0.001, within(1e-12));
        assertThat(cost.overheadSeconds()).isCloseTo(0.002, within(1e-12));
    }

    @Test
    void oneDepthAssumesTheHeadCostsOneLayer() {
        CostModel cost = CostModel.fit(Map.of(5, new WindowStats.Mean(4, 4 * 0.006)));

        assertThat(cost.perLayerSeconds()).isCloseTo(0.001, within(1e-12));
        assertThat(cost.overheadSeconds()).isCloseTo(0.001, within(1e-12));
        assertThatThrownBy(() -> CostModel.fit(Map.of()))
                .hasMessageContaining("no step latency");
    }

    @Test
    void skippingAndSpeculationFollowTheDocumentedFormulas() {
        CostModel cost = new CostModel(0.001, 0.001);
        ExecutionPlan skip = new ExecutionPlan(1, List.of(2), new ExitPolicy.None());
        // Two drafts through layers 0..1 (3 ms each), verify through 2..4 (4 ms): 10 ms a round
        // for 1 + a tokens.
        ExecutionPlan speculate = new ExecutionPlan(1, List.of(),
                new ExitPolicy.SelfSpeculative(1, 2));

        assertThat(cost.tokensPerSecond(ExecutionPlan.full(), 5, Double.NaN))
                .isCloseTo(1 / 0.006, within(1e-9));
        assertThat(cost.tokensPerSecond(skip, 5, Double.NaN)).isCloseTo(1 / 0.005, within(1e-9));
        assertThat(cost.tokensPerSecond(speculate, 5, 0.8)).isCloseTo(1.8 / 0.010, within(1e-9));
        assertThat(cost.tokensPerSecond(speculate, 5, 1.0)).isCloseTo(2 / 0.010, within(1e-9));
    }
}
