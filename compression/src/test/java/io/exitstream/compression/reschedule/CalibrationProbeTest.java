package io.exitstream.compression.reschedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

class CalibrationProbeTest {

    @Test
    void theFullModelAgreesWithItself() {
        PlanQuality quality = Stories260KProbe.probe().measure(ExecutionPlan.full());

        assertThat(quality.agreement()).isEqualTo(1.0);
        assertThat(quality.perplexityIncrease()).isCloseTo(0, within(1e-12));
        assertThat(quality.tokens()).isEqualTo(4 * 47);
        // Its own samples at temperature 1: a small but real perplexity.
        assertThat(quality.fullPerplexity()).isBetween(1.5, 50.0);
    }

    @Test
    void skippingLayersCostsAgreementAndPerplexity() {
        PlanQuality one = Stories260KProbe.probe().measure(
                new ExecutionPlan(1, List.of(2), new ExitPolicy.None()));
        PlanQuality three = Stories260KProbe.probe().measure(
                new ExecutionPlan(1, List.of(1, 2, 3), new ExitPolicy.None()));

        assertThat(one.agreement()).isLessThan(1.0);
        assertThat(three.agreement()).isLessThan(one.agreement());
        assertThat(three.perplexityIncrease()).isGreaterThan(one.perplexityIncrease())
                .isGreaterThan(0.05);
    }

    @Test
    void draftsFromTheLastLayerAreAlwaysAcceptedAndShallowerOnesLess() {
        CalibrationProbe probe = Stories260KProbe.probe();
        int last = Stories260KProbe.layers() - 1;

        assertThat(probe.rate(List.of(), last)).isEqualTo(1.0);
        assertThat(probe.rate(List.of(), 0)).isLessThan(probe.rate(List.of(), last - 1));
        assertThat(probe.rate(List.of(2), 2)).isNaN();
    }
}
