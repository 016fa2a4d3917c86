package io.exitstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.exitstream.engine.SharedFixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * stories260K reproduces llama2.c's greedy run and the float64 reference logits, read from its
 * llama2.c file and from its conversion to a Hugging Face directory.
 */
class LlamaModelGoldenTest {

    @ParameterizedTest
    @EnumSource(Stories260K.class)
    void greedyFromBosReproducesGoldenIdsAndLogits(Stories260K format) {
        JsonObject golden = SharedFixtures.golden();
        JsonArray ids = golden.getAsJsonArray("greedy_ids");
        JsonArray logits4 = golden.getAsJsonArray("logits_first4_steps");
        try (LlamaModel model = LlamaModel.load(format.weights());
                KvCache cache = model.newCache(1, 512)) {
            int slot = cache.acquire();
            float[] logits = model.prefill(cache, slot, 0, new int[] {1});
            int vocab = model.config().vocabSize();
            for (int pos = 0; pos < ids.size(); pos++) {
                if (pos < 4) {
                    JsonArray expected = logits4.get(pos).getAsJsonArray();
                    for (int v = 0; v < vocab; v++) {
                        assertThat(logits[v]).as("logit %d at position %d", v, pos)
                                .isCloseTo(expected.get(v).getAsFloat(), within(1e-4f));
                    }
                }
                int next = argmax(logits);
                assertThat(next).as("token at position %d", pos).isEqualTo(ids.get(pos).getAsInt());
                if (pos + 1 < ids.size()) {
                    logits = model.decode(cache, new int[] {slot}, new int[] {pos + 1},
                            new int[] {next});
                }
            }
        }
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
