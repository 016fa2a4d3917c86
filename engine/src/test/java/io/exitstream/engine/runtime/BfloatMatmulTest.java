package io.exitstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.exitstream.engine.CpuAssumptions;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** bfloat16 products for training: float32 in and out, close to float32's, differentiable. */
class BfloatMatmulTest {

    @BeforeAll
    static void needsBfloat16() {
        CpuAssumptions.assumeBfloat16();
    }

    private static final Shape X = new Shape(2, 5, 64);
    private static final Shape W = new Shape(64, 24);

    @Test
    void theProductIsFloat32AndWithinBfloat16RoundingOfTheExactOne() {
        try (NDManager manager = NDManager.newBaseManager();
                BfloatMatmul matmul = BfloatMatmul.load(manager)) {
            NDArray x = random(manager, X, 1);
            NDArray w = random(manager, W, 2);
            NDArray product = matmul.apply(x, w);
            assertThat(product.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(product.getShape()).isEqualTo(new Shape(2, 5, 24));
            float[] actual = product.toFloatArray();
            float[] exact = x.matMul(w).toFloatArray();
            // Each operand carries 8 significant bits (relative error 2^-9); over 64 products
            // of unit-variance terms the sum's error stays well under 0.1.
            assertThat(actual).isNotEqualTo(exact);
            assertThat(actual).containsExactly(exact, within(0.1f));
        }
    }

    @Test
    void gradientsReachBothFloat32OperandsAsThoseOfTheExactProduct() {
        try (NDManager manager = NDManager.newBaseManager();
                BfloatMatmul matmul = BfloatMatmul.load(manager)) {
            float[][] rounded = gradients(manager, matmul::apply);
            float[][] exact = gradients(manager, NDArray::matMul);
            for (int i = 0; i < 2; i++) {
                assertThat(rounded[i]).as("gradient %d is not zero", i)
                        .isNotEqualTo(new float[rounded[i].length]);
                assertThat(rounded[i]).as("gradient %d", i).containsExactly(exact[i],
                        within(0.2f));
            }
        }
    }

    private interface Product {
        NDArray apply(NDArray x, NDArray w);
    }

    /** Gradients of {@code sum(product(x, w) * weights)} for x and w, both float32. */
    private static float[][] gradients(NDManager parent, Product product) {
        try (NDManager manager = parent.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray x = random(manager, X, 3);
            NDArray w = random(manager, W, 4);
            x.setRequiresGradient(true);
            w.setRequiresGradient(true);
            NDArray out = product.apply(x, w);
            collector.backward(out.mul(random(manager, out.getShape(), 5)).sum());
            assertThat(w.getGradient().getDataType()).isEqualTo(DataType.FLOAT32);
            return new float[][] {x.getGradient().toFloatArray(), w.getGradient().toFloatArray()};
        }
    }

    private static NDArray random(NDManager manager, Shape shape, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[(int) shape.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return manager.create(values, shape);
    }
}
