package io.exitstream.compression.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.exitstream.compression.nn.TorchLlama.MatmulPrecision;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LayerSkipOptionsTest {

    private static LayerSkipOptions options(double layerDrop, double exitScale, int rotation) {
        return new LayerSkipOptions(1000, 8, 4, 1e-3, 0.1, 100, 0.1, 1, layerDrop, exitScale,
                rotation, 0, 2, 1, MatmulPrecision.FLOAT32);
    }

    @Test
    void layerDropoutRisesExponentiallyFromZeroAtTheFirstLayerToPMaxAtTheLast() {
        LayerSkipOptions o = options(0.2, 1, 2);
        assertThat(o.dropProbability(0, 8)).isZero();
        assertThat(o.dropProbability(7, 8)).isCloseTo(0.2, within(1e-12));
        for (int l = 1; l < 8; l++) {
            double step = o.dropProbability(l, 8) - o.dropProbability(l - 1, 8);
            double previous = l == 1 ? 0 : o.dropProbability(l - 1, 8)
                    - o.dropProbability(l - 2, 8);
            assertThat(step).isGreaterThan(previous);
        }
    }

    @Test
    void exitWeightsFollowTheRotationAndAlwaysIncludeTheLastLayer() {
        LayerSkipOptions o = options(0, 1, 2);
        double[] even = o.exitWeights(0, 8);
        double[] odd = o.exitWeights(1, 8);
        assertThat(Arrays.stream(even).sum()).isCloseTo(1, within(1e-12));
        assertThat(Arrays.stream(odd).sum()).isCloseTo(1, within(1e-12));
        // Even steps: layers 0, 2, 4, 6 (layer 0's weight is 0 by LayerSkip's scale) and 7.
        assertThat(even[1]).isZero();
        assertThat(even[2]).isPositive();
        assertThat(odd[1]).isPositive();
        assertThat(odd[2]).isZero();
        // e(l) = sum_{i <= l} i; the last layer adds L - 1: 3 : 10 : 21 : 28 on even steps.
        assertThat(even[6] / even[2]).isCloseTo(7, within(1e-9));
        assertThat(even[7] / even[2]).isCloseTo(28 / 3.0, within(1e-9));
    }

    @Test
    void noExitScaleTrainsTheLastLayerAlone() {
        double[] weights = options(0, 0, 1).exitWeights(3, 6);
        assertThat(weights).containsExactly(0, 0, 0, 0, 0, 1);
    }

    @Test
    void theLearningRateWarmsUpThenDecaysAlongACosineToItsFloor() {
        LayerSkipOptions o = options(0, 1, 2);
        assertThat(o.learningRate(0)).isCloseTo(1e-5, within(1e-12));
        assertThat(o.learningRate(99)).isCloseTo(1e-3, within(1e-12));
        assertThat(o.learningRate(550)).isCloseTo(0.55e-3, within(1e-9));
        assertThat(o.learningRate(1000)).isCloseTo(1e-4, within(1e-12));
    }

    @Test
    void badSettingsAreRefusedWithTheirOptionNames() {
        assertThatThrownBy(() -> new LayerSkipOptions(10, 6, 4, 1e-3, 0.1, 1, 0, 1, 0, 1, 1, 0,
                2, 1, MatmulPrecision.FLOAT32)).hasMessageContaining("--micro-batch");
        assertThatThrownBy(() -> options(1, 1, 1)).hasMessageContaining("--layer-drop");
        assertThatThrownBy(() -> options(0, 1, 0)).hasMessageContaining("--exit-rotation");
    }
}
