package io.exitstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Teacher-forced scoring reproduces what the model computes position by position. */
class PlanScorerTest {

    private final LlamaModel model = Stories260K.model();

    @Test
    void theFullPlanGivesTheFullModelsLogProbabilitiesAndGreedyTokens() {
        int[] tokens = Stories260K.goldenText(120);
        List<PositionScore> scores;
        try (PlanScorer scorer = new PlanScorer(model, 1, 512)) {
            scores = scorer.score(ExecutionPlan.full(), tokens);
        }
        assertThat(scores).hasSize(120);
        int vocab = model.config().vocabSize();
        try (KvCache cache = model.newCache(1, 512)) {
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
                assertThat(score.exitLayer()).isEqualTo(4);
                assertThat(score.layersExecuted()).isEqualTo(5);
                assertThat(score.confidence()).isNaN();
                assertThat(score.blockInfluence()).isNull();
            }
        }
    }

    @Test
    void sequencesScoredTogetherScoreAsTheyWouldAlone() {
        ExecutionPlan skipping = new ExecutionPlan(2, List.of(1), new ExitPolicy.None());
        List<int[]> texts = List.of(Stories260K.goldenText(30),
                new int[] {1, 403, 407, 300, 301}, Stories260K.goldenText(12));
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
                    assertThat(t.layersExecuted()).isEqualTo(4);
                }
            }
        }
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
