package io.exitstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Teacher-forced scoring reproduces what the model computes position by position. */
class PlanScorerTest {

    private final LlamaModel model = Shipped.model();

    @Test
    void theFullPlanGivesTheFullModelsLogProbabilitiesAndGreedyTokens() {
        int[] tokens = Shipped.greedyText(120);
        List<PositionScore> scores;
        try (PlanScorer scorer = new PlanScorer(model, 1, 256)) {
            scores = scorer.score(ExecutionPlan.full(), tokens);
        }
        assertThat(scores).hasSize(120);
        int vocab = model.config().vocabSize();
        try (KvCache cache = model.newCache(1, 256)) {
            for (int p = 0; p < 120; p++) {
                float[] logits = model.decode(cache, new int[] {0}, new int[] {p},
                        new int[] {tokens[p]});
                PositionScore score = scores.get(p);
                assertThat(score.position()).isEqualTo(p);
                assertThat(score.target()).isEqualTo(tokens[p + 1]);
                // Greedy ids are the full model's argmax at every position.
                assertThat(score.argmax()).as("position %d", p).isEqualTo(tokens[p + 1]);
                assertThat(score.logProb()).as("position %d", p)
                        .isCloseTo(logSoftmax(logits, vocab, tokens[p + 1]), within(1e-4));
                assertThat(score.exitLayer()).isEqualTo(Shipped.LAST);
                assertThat(score.layersExecuted()).isEqualTo(Shipped.LAYERS);
                assertThat(score.confidence()).isNaN();
                assertThat(score.blockInfluence()).isNull();
            }
        }
    }

    @Test
    void sequencesScoredTogetherScoreAsTheyWouldAlone() {
        ExecutionPlan skipping = new ExecutionPlan(2, List.of(1), new ExitPolicy.None());
        List<int[]> texts = List.of(Shipped.greedyText(30),
                new int[] {Shipped.BOS, 403, 407, 300, 301}, Shipped.greedyText(12));
        try (PlanScorer scorer = new PlanScorer(model, 2, 64)) {
            List<List<PositionScore>> together = scorer.score(skipping, texts, 3);
            assertThat(together).hasSize(3);
            for (int i = 0; i < 3; i++) {
                List<PositionScore> alone = scorer.score(skipping, List.of(texts.get(i)), 3)
                        .get(0);
                assertThat(together.get(i)).hasSize(texts.get(i).length - 3);
                assertThat(together.get(i).get(0).position()).isEqualTo(2);
                for (int p = 0; p < alone.size(); p++) {
                    PositionScore a = alone.get(p);
                    PositionScore t = together.get(i).get(p);
                    assertThat(t.argmax()).isEqualTo(a.argmax());
                    assertThat(t.logProb()).isCloseTo(a.logProb(), within(1e-4));
                    assertThat(t.layersExecuted()).isEqualTo(Shipped.LAYERS - 1);
                }
            }
        }
    }

    @Test
    void measuredInfluenceIsOneMinusTheCosineOfEachRunLayersInputAndOutput() {
        int[] tokens = Shipped.greedyText(12);
        int[] kept = {0, 1, 3, 4, 5, 6, 7};
        List<PositionScore> scores;
        try (PlanScorer scorer = new PlanScorer(model, 1, 64)) {
            scorer.measureInfluence(true);
            scores = scorer.score(new ExecutionPlan(1, List.of(2), new ExitPolicy.None()),
                    tokens);
        }
        assertThat(scores.get(0).blockInfluence()).isNull();
        try (KvCache cache = model.newCache(1, 64)) {
            model.prefill(cache, 0, 0, new int[] {tokens[0]}, kept);
            for (int p = 1; p < 12; p++) {
                float[] influence = scores.get(p).blockInfluence();
                assertThat(influence).hasSize(Shipped.LAYERS);
                assertThat(influence[2]).isNaN();
                try (NDManager scope = model.newScope()) {
                    Rows rows = model.decodeRows(scope, cache, new int[] {0}, new int[] {p});
                    NDArray h = model.embed(scope, new int[] {tokens[p]});
                    for (int layer : kept) {
                        float[] in = h.toFloatArray();
                        h = model.layer(layer, h, rows, cache);
                        assertThat(influence[layer]).as("position %d layer %d", p, layer)
                                .isCloseTo(1 - cosine(in, h.toFloatArray()), within(1e-5f));
                    }
                }
            }
        }
    }

    private static float cosine(float[] a, float[] b) {
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return (float) (dot / Math.sqrt(aa * bb));
    }

    @Test
    void sequencesThatCannotBeScoredAreRefused() {
        try (PlanScorer scorer = new PlanScorer(model, 1, 16)) {
            assertThatThrownBy(() -> scorer.score(ExecutionPlan.full(), new int[] {1}))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("a sequence of 1 tokens cannot be scored after a prompt of 1 in"
                            + " a context of 16");
            assertThatThrownBy(() -> scorer.score(ExecutionPlan.full(), new int[17]))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    static double logSoftmax(float[] logits, int vocab, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[i] - max);
        }
        return logits[token] - max - Math.log(sum);
    }
}
