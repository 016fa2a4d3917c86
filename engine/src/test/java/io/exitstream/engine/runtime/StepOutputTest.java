package io.exitstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The reused host buffer that decode steps copy their output into. */
class StepOutputTest {

    @Test
    void eachCopyLeavesItsTensorAtTheFrontOfOneReusedBuffer() {
        StepOutput output = new StepOutput();
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] first = output.copy(manager.create(new float[] {1, 2, 3, 4, 5, 6},
                    new Shape(2, 3)));
            assertThat(Arrays.copyOf(first, 6)).containsExactly(1, 2, 3, 4, 5, 6);

            float[] second = output.copy(manager.create(new float[] {7, 8}));
            assertThat(second).isSameAs(first);
            assertThat(Arrays.copyOf(second, 2)).containsExactly(7, 8);
        }
    }

    @Test
    void aLargerTensorGetsALargerBuffer() {
        StepOutput output = new StepOutput();
        try (NDManager manager = NDManager.newBaseManager()) {
            output.copy(manager.create(new float[] {1}));
            float[] larger = output.copy(manager.arange(0f, 1000f));
            assertThat(larger).hasSizeGreaterThanOrEqualTo(1000);
            assertThat(larger[999]).isEqualTo(999f);
        }
    }

    @Test
    void aNonContiguousTensorIsCopiedInLogicalOrder() {
        StepOutput output = new StepOutput();
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] transposed = output.copy(manager.create(new float[] {1, 2, 3, 4, 5, 6},
                    new Shape(2, 3)).transpose());
            assertThat(Arrays.copyOf(transposed, 6)).containsExactly(1, 4, 2, 5, 3, 6);
        }
    }
}
