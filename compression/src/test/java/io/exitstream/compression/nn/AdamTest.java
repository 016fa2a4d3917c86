package io.exitstream.compression.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Steps whose gradients overflow are skipped, a few in a row at most. */
class AdamTest {

    @Test
    void skipsStepsWithGradientsThatAreNotFiniteAndStopsWhenTheyPersist() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray w = manager.create(new float[] {1f, -2f});
            Adam adam = new Adam(List.of(w), manager);

            assertThat(step(adam, w, manager, 3f)).isCloseTo(3 * Math.sqrt(2), within(1e-5));
            // Adam's first step moves every weight by the learning rate, against its gradient.
            assertThat(w.toFloatArray()).containsExactly(new float[] {0.9f, -2.1f},
                    within(1e-6f));

            for (int i = 0; i < 5; i++) {
                assertThat(step(adam, w, manager, Float.POSITIVE_INFINITY)).isInfinite();
            }
            assertThat(w.toFloatArray()).containsExactly(new float[] {0.9f, -2.1f},
                    within(1e-6f));
            assertThat(adam.step()).as("skipped steps still count").isEqualTo(6);
            assertThatThrownBy(() -> step(adam, w, manager, Float.NaN))
                    .hasMessage("the gradients were not finite for 6 steps in a row up to"
                            + " step 7; lower the learning rate");
        }
    }

    /** One update of the loss {@code scale * sum(w)}, whose gradient is {@code scale}. */
    private static double step(Adam adam, NDArray w, NDManager manager, float scale) {
        try (NDManager scope = manager.newSubManager()) {
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(w.mul(scale).sum());
            }
            return adam.clippedUpdate(scope, 0.1, 0, Double.POSITIVE_INFINITY);
        }
    }
}
