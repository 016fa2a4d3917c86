package io.exitstream.compression.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.KvCache;
import io.exitstream.engine.runtime.LlamaModel;
import org.junit.jupiter.api.Test;

/** The training-side forward pass computes what the serving engine computes. */
class TorchLlamaTest {

    /** Some ten tokens of the shipped model's kind of text. */
    static final String TEXT = "Once upon a time, Tom had a big red ball.";

    @Test
    void logitsMatchTheEngineOnEveryPosition() {
        LlamaWeights weights = ShippedModel.weights();
        int[] tokens = ShippedModel.tokenizer().encode(TEXT, true, false);
        int vocab = weights.config().vocabSize();
        float[] expected = new float[tokens.length * vocab];
        try (LlamaModel model = LlamaModel.load(weights);
                KvCache cache = model.newCache(1, 64)) {
            for (int t = 0; t < tokens.length; t++) {
                float[] logits = model.decode(cache, new int[] {0}, new int[] {t},
                        new int[] {tokens[t]});
                System.arraycopy(logits, 0, expected, t * vocab, vocab);
            }
        }
        try (NDManager manager = NDManager.newBaseManager();
                TorchLlama llama = TorchLlama.of(weights, manager)) {
            NDArray ids = manager.create(tokens, new Shape(1, tokens.length));
            float[] actual = llama.forward(ids, TorchLlama.Probe.NONE).toFloatArray();
            assertThat(actual.length).isEqualTo(expected.length);
            for (int i = 0; i < actual.length; i++) {
                assertThat(actual[i]).as("logit %d", i).isCloseTo(expected[i], within(1e-3f));
            }
            assertThat(llama.toWeights().wq()[2]).containsExactly(weights.wq()[2]);
        }
    }
}
