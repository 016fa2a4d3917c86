package io.exitstream.engine.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small models and weight comparisons shared by the checkpoint tests. */
final class TestModels {

    /** Tiny but with every feature: GQA, a separate classifier, head size 8 (RoPE order). */
    static final ModelConfig SMALL = ModelConfig.llama2c(32, 48, 2, 4, 2, 64, 16, false);

    private TestModels() {
    }

    static LlamaWeights small() {
        return SyntheticModels.random(SMALL, 42);
    }

    /** Every tensor by a readable name, in a fixed order. */
    static Map<String, float[]> tensors(LlamaWeights w) {
        Map<String, float[]> tensors = new LinkedHashMap<>();
        tensors.put("token_embedding", w.tokenEmbedding());
        List<float[][]> perLayer = List.of(w.attentionNorm(), w.wq(), w.wk(), w.wv(), w.wo(),
                w.ffnNorm(), w.w1(), w.w2(), w.w3());
        List<String> names = List.of("attention_norm", "wq", "wk", "wv", "wo", "ffn_norm", "w1",
                "w2", "w3");
        for (int t = 0; t < names.size(); t++) {
            for (int l = 0; l < w.config().layers(); l++) {
                tensors.put(names.get(t) + "[" + l + "]", perLayer.get(t)[l]);
            }
        }
        tensors.put("final_norm", w.finalNorm());
        tensors.put("classifier", w.classifier());
        return tensors;
    }

    static void assertBitIdentical(LlamaWeights actual, LlamaWeights expected) {
        assertThat(actual.config()).isEqualTo(expected.config());
        Map<String, float[]> expectedTensors = tensors(expected);
        tensors(actual).forEach((name, values) ->
                assertThat(values).as(name).containsExactly(expectedTensors.get(name)));
    }

    /** The values that differ from {@code expected} by more than max(relative * |e|, absolute). */
    static List<String> valuesOutside(LlamaWeights actual, LlamaWeights expected,
            double relative, double absolute) {
        List<String> outside = new ArrayList<>();
        Map<String, float[]> expectedTensors = tensors(expected);
        tensors(actual).forEach((name, values) -> {
            float[] reference = expectedTensors.get(name);
            for (int i = 0; i < values.length; i++) {
                double error = Math.abs((double) values[i] - reference[i]);
                if (error > Math.max(relative * Math.abs(reference[i]), absolute)) {
                    outside.add(name + "[" + i + "]: " + values[i] + " vs " + reference[i]);
                }
            }
        });
        return outside;
    }
}
