package io.exitstream.compression.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import io.exitstream.compression.Corpus;
import io.exitstream.compression.ModelFiles;
import io.exitstream.compression.Progress;
import io.exitstream.compression.nn.TorchLlama;
import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.model.LayerShape;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.runtime.GenerationRequest;
import io.exitstream.engine.runtime.Generator;
import io.exitstream.engine.runtime.KvCache;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;
import io.exitstream.engine.sampling.SamplingParams;
import io.exitstream.engine.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pruned copies of the shipped model saved to disk load in the engine and compute what was
 * pruned.
 */
class PrunedModelTest {

    private static int[] prompt;
    private static LlamaWeights dense;
    private static ActivationStats stats;

    @BeforeAll
    static void calibrate() {
        Torch.setThreads(1);
        // A copy of its own: pruning must not touch the weights other tests share.
        dense = ModelFormat.load(ShippedModel.dir());
        Tokenizer tokenizer = ShippedModel.tokenizer();
        prompt = tokenizer.encode("Once upon a time, Tom had a", true, false);
        Corpus corpus;
        try (LlamaModel model = LlamaModel.load(dense)) {
            corpus = Corpus.generate(model, tokenizer, 4, 32, 1);
        }
        stats = Calibration.collect(dense, corpus, Progress.NONE);
    }

    @Test
    void ffnPrunedModelRoundTripsWithIdenticalLogits(@TempDir Path dir) {
        PruneResult result = Pruner.prune(dense,
                new PruneTarget(Criterion.FFN_WANDA, 0.2, null), stats);
        // 20% of the parameters at 3 x dim x layers per neuron taken from every layer.
        ModelConfig c = dense.config();
        long neurons = Math.round(0.2 * c.parameterCount() / (3.0 * c.dim() * c.layers()));
        assertThat(result.weights().config().hiddenDim()).isEqualTo(c.hiddenDim() - neurons);
        assertThat(result.report().get("removed_fraction").getAsDouble()).isBetween(0.19, 0.21);

        ModelFiles.write(result.weights(), ShippedModel.dir(), null, dir);
        assertThat(dir.resolve("tokenizer.json")).exists();
        LlamaWeights loaded = ModelFormat.load(dir);
        assertThat(loaded.config()).isEqualTo(result.weights().config());
        try (LlamaModel inMemory = LlamaModel.load(result.weights());
                LlamaModel fromDisk = LlamaModel.load(loaded)) {
            assertThat(prefillLogits(fromDisk)).containsExactly(prefillLogits(inMemory));
        }
    }

    @Test
    void headPruningRemovesTheWeakestGroupsAcrossLayersAndRoundTrips(@TempDir Path dir) {
        // 10% of the parameters in groups of a key/value head with its query heads, each
        // (2 x group + 2) x headSize x dim parameters.
        ModelConfig d = dense.config();
        long groupParameters = (2L * d.groupSize() + 2) * d.headSize() * d.dim();
        int removedGroups = (int) Math.round(0.1 * d.parameterCount() / groupParameters);
        assertThat(removedGroups).as("groups removed").isGreaterThan(1);
        PruneResult result = Pruner.prune(dense, new PruneTarget(Criterion.HEADS, 0.1, null),
                stats);
        ModelConfig c = result.weights().config();
        int[] heads = c.layerShapes().stream().mapToInt(LayerShape::heads).toArray();
        assertThat(IntStream.of(heads).sum())
                .isEqualTo(d.layers() * d.heads() - removedGroups * d.groupSize());
        assertThat(IntStream.of(heads).boxed()).allSatisfy(h ->
                assertThat(h).isBetween(d.groupSize(), d.heads()));
        assertThat(IntStream.of(heads).distinct().count()).as("head counts differ by layer")
                .isGreaterThan(1);
        assertThat(c.layerShapes()).allSatisfy(shape -> {
            assertThat(shape.groupSize()).isEqualTo(d.groupSize());
            assertThat(shape.hiddenDim()).isEqualTo(d.hiddenDim());
        });
        assertThat(result.report().get("removed_fraction").getAsDouble())
                .isCloseTo((double) removedGroups * groupParameters / d.parameterCount(),
                        within(1e-9));

        // Every removed group scores no higher than any kept group that was not its layer's
        // only protection (each layer's best group always stays).
        List<HeadPruning.Group> groups = HeadPruning.groups(dense, stats);
        int[][] kept = HeadPruning.keep(d, groups, removedGroups);
        double highestRemoved = groups.stream()
                .filter(g -> IntStream.of(kept[g.layer()]).noneMatch(k -> k == g.index()))
                .mapToDouble(HeadPruning.Group::score).max().orElseThrow();
        for (int l = 0; l < d.layers(); l++) {
            int layer = l;
            List<HeadPruning.Group> keptHere = groups.stream().filter(g -> g.layer() == layer
                    && IntStream.of(kept[layer]).anyMatch(k -> k == g.index()))
                    .sorted(Comparator.comparingDouble(HeadPruning.Group::score)).toList();
            keptHere.subList(0, keptHere.size() - 1).forEach(g ->
                    assertThat(g.score()).isGreaterThanOrEqualTo(highestRemoved));
        }

        ModelFiles.write(result.weights(), ShippedModel.dir(), null, dir);
        LlamaWeights loaded = ModelFormat.load(dir);
        assertThat(loaded.config()).isEqualTo(c);
        try (LlamaModel inMemory = LlamaModel.load(result.weights());
                LlamaModel fromDisk = LlamaModel.load(loaded);
                Generator generator = new Generator(fromDisk, 1, 64)) {
            float[] logits = prefillLogits(inMemory);
            assertThat(prefillLogits(fromDisk)).containsExactly(logits);
            var sequence = generator.generate(new GenerationRequest(prompt,
                    SamplingParams.greedy(), 20, new int[0]), token -> { });
            assertThat(sequence.generatedCount()).isEqualTo(20);
            // Distillation's training graph computes the same narrow model.
            try (NDManager manager = NDManager.newBaseManager();
                    TorchLlama llama = TorchLlama.of(loaded, manager)) {
                NDArray ids = manager.create(prompt, new Shape(1, prompt.length));
                float[] all = llama.forward(ids, TorchLlama.Probe.NONE).toFloatArray();
                float[] last = Arrays.copyOfRange(all, all.length - logits.length, all.length);
                for (int v = 0; v < logits.length; v++) {
                    assertThat(last[v]).as("logit %d", v).isCloseTo(logits[v], within(1e-4f));
                }
            }
        }
    }

    @Test
    void ffnPruningAfterHeadPruningKeepsEachLayersHeads() {
        PruneResult heads = Pruner.prune(dense, new PruneTarget(Criterion.HEADS, null, 6),
                stats);
        PruneResult both = Pruner.prune(heads.weights(),
                new PruneTarget(Criterion.FFN_MAGNITUDE, null, 72), null);
        assertThat(both.weights().config().layerShapes()).allSatisfy(shape ->
                assertThat(shape.hiddenDim()).isEqualTo(dense.config().hiddenDim() - 72));
        assertThat(both.weights().config().layerShapes().stream().map(LayerShape::heads))
                .containsExactlyElementsOf(heads.weights().config().layerShapes().stream()
                        .map(LayerShape::heads).toList());
        try (LlamaModel model = LlamaModel.load(both.weights())) {
            assertThat(prefillLogits(model)).hasSize(dense.config().vocabSize())
                    .doesNotContain(Float.NaN);
        }
    }

    @Test
    void layerPrunedModelServesFromDisk(@TempDir Path dir) {
        PruneResult result = Pruner.prune(dense, new PruneTarget(Criterion.LAYERS, null, 1),
                stats);
        int[] kept = result.report().getAsJsonArray("kept_layers").asList().stream()
                .mapToInt(e -> e.getAsInt()).toArray();
        assertThat(kept).hasSize(dense.config().layers() - 1);
        ModelFiles.write(result.weights(), ShippedModel.dir(), null, dir);
        try (LlamaModel pruned = LlamaModel.load(ModelFormat.load(dir));
                LlamaModel full = LlamaModel.load(dense)) {
            assertThat(pruned.config().layers()).isEqualTo(dense.config().layers() - 1);
            // Running the dense model through the kept layers is what the pruned model is.
            try (KvCache cache = full.newCache(1, 16)) {
                assertThat(prefillLogits(pruned))
                        .containsExactly(full.prefill(cache, 0, 0, prompt, kept));
            }
            try (Generator generator = new Generator(pruned, 1, 64)) {
                var sequence = generator.generate(new GenerationRequest(prompt,
                        SamplingParams.greedy(), 20, new int[0]), token -> { });
                assertThat(sequence.generatedCount()).isEqualTo(20);
            }
        }
    }

    @Test
    void unstructuredResultsKeepTheShapeAndReportTheirSparsity(@TempDir Path dir)
            throws Exception {
        for (Criterion c : new Criterion[] {Criterion.WANDA, Criterion.MAGNITUDE}) {
            PruneResult result = Pruner.prune(dense, new PruneTarget(c, 0.5, null), stats);
            assertThat(result.weights().config()).isEqualTo(dense.config());
            assertThat(result.report().get("block_matrix_sparsity").getAsDouble())
                    .isBetween(0.499, 0.501);
        }
        PruneResult twoFour = Pruner.prune(dense,
                new PruneTarget(Criterion.TWO_FOUR_WANDA, null, null), stats);
        float[] w1 = twoFour.weights().w1()[0];
        for (int g = 0; g < w1.length; g += 4) {
            int zeros = 0;
            for (int k = 0; k < 4; k++) {
                zeros += w1[g + k] == 0f ? 1 : 0;
            }
            assertThat(zeros).isEqualTo(2);
        }
        ModelFiles.write(twoFour.weights(), ShippedModel.dir(), null, dir);
        ModelFiles.writeJson(twoFour.report(), dir.resolve("pruning.json"));
        assertThat(Files.readString(dir.resolve("pruning.json")))
                .contains("\"sparsity_per_projection\"");
        assertThat(ModelFormat.load(dir).w1()[0]).containsExactly(w1);
    }

    private static float[] prefillLogits(LlamaModel model) {
        try (KvCache cache = model.newCache(1, 16)) {
            return model.prefill(cache, 0, 0, prompt);
        }
    }
}
