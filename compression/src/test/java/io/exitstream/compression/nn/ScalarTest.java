package io.exitstream.compression.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.exitstream.engine.GarbageCollection;
import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.model.LlamaWeights;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Gradients do not depend on when the garbage collector runs. */
class ScalarTest {

    @Test
    void aScalarOutlivesItsTensorForTheBackwardPass() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new float[] {1f, 2f, 3f});
            x.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray y = x.mul(Scalar.of(x, 3)).sum();
                List<ByteBuffer> reused = GarbageCollection.collectAndReuse();
                collector.backward(y);
                assertThat(reused).isNotEmpty();
            }
            assertThat(x.getGradient().toFloatArray()).containsExactly(3f, 3f, 3f);
        }
    }

    @Test
    void theLanguageModelsGradientsIgnoreACollectionBetweenForwardAndBackward()
            throws Exception {
        LlamaWeights weights = ShippedModel.weights();
        int[] tokens = ShippedModel.tokenizer().encode(TorchLlamaTest.TEXT, true, false);
        assertThat(gradients(weights, tokens, true))
                .isDeepEqualTo(gradients(weights, tokens, false));
    }

    /** Every parameter's gradient of the next-token loss plus a distillation term. */
    private static float[][] gradients(LlamaWeights weights, int[] tokens, boolean collect)
            throws InterruptedException {
        try (NDManager manager = NDManager.newBaseManager();
                TorchLlama llama = TorchLlama.of(weights, manager)) {
            List<NDArray> parameters = llama.parameters();
            parameters.forEach(p -> p.setRequiresGradient(true));
            NDArray ids = manager.create(tokens, new Shape(1, tokens.length));
            NDArray inputs = ids.get(":, :-1");
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray logits = llama.forward(inputs, TorchLlama.Probe.NONE);
                NDArray loss = Losses.crossEntropy(logits, ids.get(":, 1:")).add(
                        Losses.kl(logits.stopGradient().flip(-1), logits, 2));
                List<ByteBuffer> reused = collect ? GarbageCollection.collectAndReuse()
                        : List.of();
                collector.backward(loss);
                assertThat(reused.size()).isEqualTo(collect ? 10_000 : 0);
            }
            return parameters.stream().map(p -> p.getGradient().toFloatArray())
                    .toArray(float[][]::new);
        }
    }
}
