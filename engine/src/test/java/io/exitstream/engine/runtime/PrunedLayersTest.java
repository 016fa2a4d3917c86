package io.exitstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.exitstream.engine.CpuAssumptions;
import io.exitstream.engine.GarbageCollection;
import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.checkpoint.CheckpointException;
import io.exitstream.engine.checkpoint.HuggingFaceCheckpoint;
import io.exitstream.engine.checkpoint.Llama2cCheckpoint;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.checkpoint.TensorDType;
import io.exitstream.engine.exits.ExitHead;
import io.exitstream.engine.exits.ExitHeads;
import io.exitstream.engine.model.LayerShape;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.Matrices;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layers with their own head counts and FFN widths, as structured pruning leaves them. Removing
 * a key/value head with its query heads, or an FFN neuron, computes exactly what the full layer
 * computes with those heads' output columns (or the neuron's down-projection column) zeroed: the
 * narrow model must give the zeroed model's logits in every engine path.
 */
class PrunedLayersTest {

    /** The shipped model: 8 query heads over 4 KV heads of size 16, FFN 384, 8 layers. */
    private static final int[][] KEPT_KV_HEADS = {{0, 2}, {0, 1, 2, 3}, {3}, {1, 2, 3}, {0, 1},
        {2}, {0, 1, 2, 3}, {1, 3}};
    private static final int[] FFN_WIDTHS = {100, 384, 40, 130, 384, 200, 8, 384};
    private static final int[] PROMPT = {Shipped.BOS, 403, 407};

    private static LlamaWeights full;
    private static LlamaWeights narrowWeights;
    private static LlamaWeights zeroedWeights;

    @BeforeAll
    static void prune() {
        full = ShippedModel.weights();
        narrowWeights = narrow(full, FFN_WIDTHS);
        zeroedWeights = zeroed(full, FFN_WIDTHS);
    }

    @Test
    void narrowLayersGiveTheZeroedModelsLogitsAlone() {
        try (LlamaModel narrow = LlamaModel.load(narrowWeights);
                LlamaModel zeroed = LlamaModel.load(zeroedWeights)) {
            assertThat(narrowWeights.config().parameterCount())
                    .isLessThan(zeroed.config().parameterCount());
            float[][] expected = greedyLogits(zeroed, new int[][] {PROMPT}, 20)[0];
            float[][] actual = greedyLogits(narrow, new int[][] {PROMPT}, 20)[0];
            for (int step = 0; step < expected.length; step++) {
                assertClose(actual[step], expected[step], "step " + step);
            }
        }
    }

    @Test
    void aLayerNarrowedToOneNeuronKeepsItsWeightsThroughAGarbageCollection() throws Exception {
        // Loading stages the matrices in Java buffers that are freed after it, so every device
        // matrix must be a copy: a [dim, 1] matrix transposed is already contiguous.
        int[] widths = {100, 384, 1, 130, 384, 200, 8, 384};
        try (LlamaModel narrow = LlamaModel.load(narrow(full, widths));
                LlamaModel zeroed = LlamaModel.load(zeroed(full, widths))) {
            List<ByteBuffer> reused = GarbageCollection.collectAndReuse();
            float[][] expected = greedyLogits(zeroed, new int[][] {PROMPT}, 4)[0];
            float[][] actual = greedyLogits(narrow, new int[][] {PROMPT}, 4)[0];
            for (int step = 0; step < expected.length; step++) {
                assertClose(actual[step], expected[step], "step " + step);
            }
            assertThat(reused).isNotEmpty();
        }
    }

    @Test
    void narrowLayersRunWithBfloat16Weights() {
        CpuAssumptions.assumeBfloat16();
        // bf16 matrices are laid out [out, in] where float32 ones are [in, out].
        try (LlamaModel narrow = LlamaModel.load(narrowWeights, WeightType.BFLOAT16);
                LlamaModel zeroed = LlamaModel.load(zeroedWeights, WeightType.BFLOAT16)) {
            float[][] expected = greedyLogits(zeroed, new int[][] {PROMPT}, 8)[0];
            float[][] actual = greedyLogits(narrow, new int[][] {PROMPT}, 8)[0];
            for (int step = 0; step < expected.length; step++) {
                for (int v = 0; v < expected[step].length; v++) {
                    assertThat(actual[step][v]).as("step %d logit %d", step, v)
                            .isCloseTo(expected[step][v], within(2e-2f));
                }
            }
        }
    }

    @Test
    void narrowLayersDecodeInBatchesOfDifferentLengths() {
        int[][] prompts = {PROMPT, {Shipped.BOS, 300, 301, 302, 303, 304, 305},
            Shipped.BOS_PROMPT};
        try (LlamaModel narrow = LlamaModel.load(narrowWeights);
                LlamaModel zeroed = LlamaModel.load(zeroedWeights)) {
            float[][][] expected = greedyLogits(zeroed, prompts, 12);
            float[][][] actual = greedyLogits(narrow, prompts, 12);
            for (int s = 0; s < prompts.length; s++) {
                for (int step = 0; step < 12; step++) {
                    assertClose(actual[s][step], expected[s][step],
                            "sequence " + s + " step " + step);
                }
            }
        }
    }

    @Test
    void confidenceExitsPropagateIntoNarrowLayers() {
        // Rows leave after layer 1 or 2 and CALM's state propagation writes the keys and values
        // of the narrower layers 2 to 7 from their exit states.
        ExitHeads heads = ExitHeads.of(randomHead(1, 11), randomHead(2, 12));
        ExecutionPlan plan = new ExecutionPlan(1, List.of(),
                new ExitPolicy.Confidence(new TreeMap<>(Map.of(1, 0.6f, 2, 0.8f)), 1));
        int[] text = Shipped.greedyText(60);
        int[] other = Arrays.copyOfRange(Shipped.greedyText(120), 40, 120);
        other[0] = Shipped.BOS;
        List<List<PositionScore>> expected;
        List<List<PositionScore>> actual;
        try (LlamaModel zeroed = LlamaModel.load(zeroedWeights);
                PlanScorer scorer = new PlanScorer(zeroed, 2, 128)) {
            zeroed.useExitHeads(heads);
            expected = scorer.score(plan, List.of(other, text), 1);
        }
        try (LlamaModel narrow = LlamaModel.load(narrowWeights);
                PlanScorer scorer = new PlanScorer(narrow, 2, 128)) {
            narrow.useExitHeads(heads);
            actual = scorer.score(plan, List.of(other, text), 1);
        }
        assertThat(expected.get(1).stream().map(PositionScore::exitLayer).distinct())
                .as("the heads make rows leave at both exits and at the end")
                .contains(1, 2, Shipped.LAST);
        for (int s = 0; s < 2; s++) {
            for (int p = 0; p < expected.get(s).size(); p++) {
                PositionScore e = expected.get(s).get(p);
                PositionScore a = actual.get(s).get(p);
                assertThat(a.exitLayer()).as("text %d position %d", s, p)
                        .isEqualTo(e.exitLayer());
                assertThat(a.logProb()).as("text %d position %d", s, p)
                        .isCloseTo(e.logProb(), within(1e-4));
            }
        }
    }

    @Test
    void hasEachLayersWidthsAndSavesThemInTheHuggingFaceFormatOnly(@TempDir Path dir) {
        ModelConfig c = narrowWeights.config();
        assertThat(c.uniform()).isFalse();
        assertThat(c.layer(2)).isEqualTo(new LayerShape(2, 1, 40));
        assertThat(c.headSize()).isEqualTo(16);
        assertThat(c.parameterCount()).isEqualTo(IntStream.range(0, Shipped.LAYERS)
                .mapToLong(l -> narrowWeights.wq()[l].length + narrowWeights.wk()[l].length
                        + narrowWeights.wv()[l].length + narrowWeights.wo()[l].length + narrowWeights.w1()[l].length
                        + narrowWeights.w2()[l].length + narrowWeights.w3()[l].length + 2L * c.dim())
                .sum() + narrowWeights.tokenEmbedding().length + c.dim());

        Path hf = dir.resolve("hf");
        HuggingFaceCheckpoint.write(narrowWeights, hf, TensorDType.F32);
        LlamaWeights reloaded = ModelFormat.load(hf);
        assertThat(reloaded.config()).isEqualTo(c);
        assertThat(reloaded.wo()[2]).containsExactly(narrowWeights.wo()[2]);
        assertThat(reloaded.wk()[3]).containsExactly(narrowWeights.wk()[3]);

        assertThatThrownBy(() -> Llama2cCheckpoint.write(narrowWeights, dir.resolve("model.bin")))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("one head count and one FFN width for every layer");
    }

    /** Greedy decoding of every prompt together: per sequence, the logits of each step. */
    private static float[][][] greedyLogits(LlamaModel model, int[][] prompts, int steps) {
        int n = prompts.length;
        int vocab = model.config().vocabSize();
        float[][][] out = new float[n][steps][];
        int[] slots = IntStream.range(0, n).toArray();
        int[] positions = new int[n];
        int[] tokens = new int[n];
        try (KvCache cache = model.newCache(n, 64)) {
            for (int s = 0; s < n; s++) {
                out[s][0] = model.prefill(cache, s, 0, prompts[s]);
                tokens[s] = LlamaModelGoldenTest.argmax(out[s][0]);
                positions[s] = prompts[s].length;
            }
            for (int step = 1; step < steps; step++) {
                float[] logits = model.decode(cache, slots, positions, tokens);
                for (int s = 0; s < n; s++) {
                    out[s][step] = Arrays.copyOfRange(logits, s * vocab, (s + 1) * vocab);
                    tokens[s] = LlamaModelGoldenTest.argmax(out[s][step]);
                    positions[s]++;
                }
            }
        }
        return out;
    }

    private static void assertClose(float[] actual, float[] expected, String where) {
        for (int v = 0; v < expected.length; v++) {
            assertThat(actual[v]).as("%s logit %d", where, v)
                    .isCloseTo(expected[v], within(1e-4f));
        }
    }

    private static ExitHead randomHead(int layer, long seed) {
        Random random = new Random(seed);
        float[] weight = new float[full.config().dim()];
        for (int i = 0; i < weight.length; i++) {
            weight[i] = (float) random.nextGaussian() * 0.25f;
        }
        return new ExitHead(layer, weight, 0f);
    }

    /** The query heads served by the kept KV heads of a layer, in order. */
    private static int[] keptQueryHeads(ModelConfig c, int[] kvHeads) {
        int group = c.groupSize();
        return Arrays.stream(kvHeads).flatMap(kv -> IntStream.range(kv * group, (kv + 1) * group))
                .toArray();
    }

    /** The first {@code width} FFN neurons, taken from the end so that order is not trivial. */
    private static int[] keptNeurons(ModelConfig c, int width) {
        return IntStream.range(c.hiddenDim() - width, c.hiddenDim()).toArray();
    }

    /** The full model with only the kept heads and neurons, as smaller matrices. */
    private static LlamaWeights narrow(LlamaWeights w, int[] ffnWidths) {
        ModelConfig c = w.config();
        int layers = c.layers();
        int hs = c.headSize();
        float[][] wq = new float[layers][];
        float[][] wk = new float[layers][];
        float[][] wv = new float[layers][];
        float[][] wo = new float[layers][];
        float[][] w1 = new float[layers][];
        float[][] w2 = new float[layers][];
        float[][] w3 = new float[layers][];
        List<LayerShape> shapes = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            int[] queryHeads = keptQueryHeads(c, KEPT_KV_HEADS[l]);
            int[] neurons = keptNeurons(c, ffnWidths[l]);
            wq[l] = Matrices.rows(w.wq()[l], c.dim(), Matrices.blocks(queryHeads, hs));
            wk[l] = Matrices.rows(w.wk()[l], c.dim(), Matrices.blocks(KEPT_KV_HEADS[l], hs));
            wv[l] = Matrices.rows(w.wv()[l], c.dim(), Matrices.blocks(KEPT_KV_HEADS[l], hs));
            wo[l] = Matrices.columns(w.wo()[l], c.dim(), Matrices.blocks(queryHeads, hs));
            w1[l] = Matrices.rows(w.w1()[l], c.dim(), neurons);
            w3[l] = Matrices.rows(w.w3()[l], c.dim(), neurons);
            w2[l] = Matrices.columns(w.w2()[l], c.hiddenDim(), neurons);
            shapes.add(new LayerShape(queryHeads.length, KEPT_KV_HEADS[l].length,
                    neurons.length));
        }
        return new LlamaWeights(c.withLayerShapes(shapes), w.tokenEmbedding(),
                w.attentionNorm(), wq, wk, wv, wo, w.ffnNorm(), w1, w2, w3, w.finalNorm(),
                w.classifier());
    }

    /** The full model with the removed heads' output columns and neurons' down columns zeroed. */
    private static LlamaWeights zeroed(LlamaWeights w, int[] ffnWidths) {
        ModelConfig c = w.config();
        float[][] wo = new float[c.layers()][];
        float[][] w2 = new float[c.layers()][];
        for (int l = 0; l < c.layers(); l++) {
            wo[l] = keepColumns(w.wo()[l], c.dim(),
                    Matrices.blocks(keptQueryHeads(c, KEPT_KV_HEADS[l]), c.headSize()));
            w2[l] = keepColumns(w.w2()[l], c.hiddenDim(), keptNeurons(c, ffnWidths[l]));
        }
        return new LlamaWeights(c, w.tokenEmbedding(), w.attentionNorm(), w.wq(), w.wk(),
                w.wv(), wo, w.ffnNorm(), w.w1(), w2, w.w3(), w.finalNorm(), w.classifier());
    }

    private static float[] keepColumns(float[] matrix, int columns, int[] kept) {
        float[] out = new float[matrix.length];
        for (int r = 0; r < matrix.length / columns; r++) {
            for (int k : kept) {
                out[r * columns + k] = matrix[r * columns + k];
            }
        }
        return out;
    }
}
