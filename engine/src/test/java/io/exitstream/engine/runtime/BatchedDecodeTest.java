package io.exitstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import io.exitstream.engine.checkpoint.SyntheticModels;
import io.exitstream.engine.model.ModelConfig;
import org.junit.jupiter.api.Test;

/** Sequences of different lengths decoded together give the logits they get alone. */
class BatchedDecodeTest {

    private static final int[][] PROMPTS = {
        {Shipped.BOS, 403, 407},
        {Shipped.BOS, 300, 301, 302, 303, 304, 305, 306, 307},
        {Shipped.BOS},
    };
    private static final int STEPS = 12;

    private final LlamaModel model = Shipped.model();

    @Test
    void batchedLogitsEqualSingleSequenceLogits() {
        float[][][] alone = new float[PROMPTS.length][][];
        for (int s = 0; s < PROMPTS.length; s++) {
            try (KvCache cache = model.newCache(1, 64)) {
                alone[s] = greedyLogits(cache, new int[] {0}, new int[][] {PROMPTS[s]})[0];
            }
        }
        // Adjacent slots (the cache is read as a view) and scattered ones (read by gathering).
        for (int[] slots : new int[][] {{0, 1, 2}, {3, 0, 2}}) {
            try (KvCache cache = model.newCache(4, 64)) {
                float[][][] together = greedyLogits(cache, slots, PROMPTS);
                for (int s = 0; s < PROMPTS.length; s++) {
                    for (int step = 0; step < STEPS; step++) {
                        float[] expected = alone[s][step];
                        float[] actual = together[s][step];
                        for (int v = 0; v < expected.length; v++) {
                            assertThat(actual[v]).as("sequence %d step %d logit %d", s, step, v)
                                    .isCloseTo(expected[v], within(1e-4f));
                        }
                    }
                }
            }
        }
    }

    /** Prefills each prompt in its slot, then decodes all together greedily for STEPS steps. */
    private float[][][] greedyLogits(KvCache cache, int[] slots, int[][] prompts) {
        int n = prompts.length;
        int vocab = model.config().vocabSize();
        float[][][] out = new float[n][STEPS][];
        int[] positions = new int[n];
        int[] tokens = new int[n];
        for (int s = 0; s < n; s++) {
            float[] logits = model.prefill(cache, slots[s], 0, prompts[s]);
            tokens[s] = LlamaModelGoldenTest.argmax(logits);
            positions[s] = prompts[s].length;
        }
        for (int step = 0; step < STEPS; step++) {
            float[] logits = model.decode(cache, slots, positions, tokens);
            for (int s = 0; s < n; s++) {
                out[s][step] = java.util.Arrays.copyOfRange(logits, s * vocab, (s + 1) * vocab);
                int best = 0;
                for (int v = 1; v < vocab; v++) {
                    if (out[s][step][v] > out[s][step][best]) {
                        best = v;
                    }
                }
                tokens[s] = best;
                positions[s]++;
            }
        }
        return out;
    }

    @Test
    void prefillEqualsFeedingThePromptOneTokenAtATime() {
        assertPrefillEqualsSteppingThePrompt(model);
    }

    /** A single row multiplies matrices of 64K elements or more by another route (a bag). */
    @Test
    void aSingleRowThroughWideMatricesGetsWhatThePrefillGets() {
        ModelConfig wide = SyntheticModels.shape(
                "dim=256,hidden=512,layers=2,heads=4,vocab=512,seq=64");
        try (LlamaModel model = LlamaModel.load(SyntheticModels.random(wide, 7))) {
            assertPrefillEqualsSteppingThePrompt(model);
        }
    }

    private static void assertPrefillEqualsSteppingThePrompt(LlamaModel model) {
        int[] prompt = PROMPTS[1];
        try (KvCache cache = model.newCache(2, 64)) {
            float[] prefilled = model.prefill(cache, 0, 0, prompt);
            float[] stepped = model.prefill(cache, 1, 0, new int[] {prompt[0]});
            for (int p = 1; p < prompt.length; p++) {
                stepped = model.decode(cache, new int[] {1}, new int[] {p}, new int[] {prompt[p]});
            }
            for (int v = 0; v < prefilled.length; v++) {
                assertThat(prefilled[v]).isCloseTo(stepped[v], within(1e-4f));
            }
        }
    }

    @Test
    void theLayerHooksComposeToTheFullForwardPass() {
        int[] prompt = PROMPTS[1];
        int vocab = model.config().vocabSize();
        try (KvCache cache = model.newCache(2, 64); NDManager scope = model.newScope()) {
            model.prefill(cache, 0, 0, prompt);
            model.prefill(cache, 1, 0, prompt);
            float[] fused = model.decode(cache, new int[] {0}, new int[] {prompt.length},
                    new int[] {42});

            Rows rows = model.decodeRows(scope, cache, new int[] {1}, new int[] {prompt.length});
            NDArray hidden = model.embed(scope, new int[] {42});
            for (int layer = 0; layer < model.config().layers(); layer++) {
                hidden = model.layer(layer, hidden, rows, cache);
            }
            float[] stepwise = model.logits(hidden).toFloatArray();
            assertThat(stepwise).hasSize(vocab);
            for (int v = 0; v < vocab; v++) {
                assertThat(stepwise[v]).isCloseTo(fused[v], within(1e-5f));
            }
        }
    }

    @Test
    void skippingALayerChangesTheOutput() {
        int[] prompt = PROMPTS[1];
        try (KvCache cache = model.newCache(1, 64); NDManager scope = model.newScope()) {
            float[] full = model.prefill(cache, 0, 0, prompt);
            Rows rows = model.prefillRows(scope, cache, 0, 0, prompt.length);
            NDArray hidden = model.layers(new int[] {0, 1, 3, 4, 5, 6, 7}, model.embed(scope, prompt),
                    rows, cache);
            float[] skipped = model.logits(hidden).toFloatArray();
            float[] last = java.util.Arrays.copyOfRange(skipped, skipped.length - full.length,
                    skipped.length);
            assertThat(last).isNotEqualTo(full);
            assertThatThrownBy(() -> model.layers(new int[] {8}, hidden, rows, cache))
                    .hasMessageContaining("layer 8 is outside 0..7");
        }
    }
}
