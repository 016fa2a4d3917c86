package io.exitstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.checkpoint.CheckpointException;
import io.exitstream.engine.exits.ExitHead;
import io.exitstream.engine.exits.ExitHeads;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import io.exitstream.engine.sampling.Sampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Confidence exits on the shipped model with heads made here: constant ones (a bias that makes the
 * confidence about 0 or 1) and seeded random ones whose confidence varies from token to token,
 * checked against an explicit layer-by-layer reference.
 */
class ConfidenceExitsTest {

    private static final int[] BOS = Shipped.BOS_PROMPT;
    private static final int LAYERS = Shipped.LAYERS;
    private static final int LAST = Shipped.LAST;
    private static LlamaModel model;
    private static float[] finalNorm;

    @BeforeAll
    static void load() {
        // A model of its own: the heads given to it must not leak into other test classes.
        model = LlamaModel.load(ShippedModel.weights());
        finalNorm = ShippedModel.weights().finalNorm();
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    /** A head whose confidence is sigmoid(bias) whatever the hidden state. */
    private static ExitHead constant(int layer, float bias) {
        return new ExitHead(layer, new float[model.config().dim()], bias);
    }

    /** A head with seeded random weights (and adapter, if rank > 0). */
    private static ExitHead random(int layer, long seed, int rank) {
        int dim = model.config().dim();
        Random random = new Random(seed);
        float[] weight = new float[dim];
        for (int i = 0; i < dim; i++) {
            weight[i] = (float) random.nextGaussian() * 0.25f;
        }
        float[] down = new float[rank * dim];
        float[] up = new float[dim * rank];
        for (int i = 0; i < down.length; i++) {
            down[i] = (float) random.nextGaussian() * 0.1f;
            up[i] = (float) random.nextGaussian() * 0.1f;
        }
        return new ExitHead(layer, weight, 0f, rank, down, up);
    }

    private static ExecutionPlan confidence(List<Integer> skipped, Map<Integer, Float> thresholds,
            int minExitLayer) {
        return new ExecutionPlan(7, skipped,
                new ExitPolicy.Confidence(new TreeMap<>(thresholds), minExitLayer));
    }

    @Test
    void thresholdsThatNeverFireGiveTheFullModelsGreedyTokens() {
        model.useExitHeads(ExitHeads.of(constant(1, -20f), constant(2, -20f), constant(3, -20f)));
        try (Generator generator = new Generator(model, 1, 256)) {
            generator.setPlan(confidence(List.of(), Map.of(1, 0.99f, 2, 0.99f, 3, 1f), 1));
            Sequence s = generator.generate(Requests.greedy(BOS, 200), t -> { });
            assertThat(s.generated()).isEqualTo(Shipped.greedyIds(200));
            assertThat(s.reports().subList(1, 200)).allSatisfy(r -> {
                assertThat(r.planVersion()).isEqualTo(7);
                assertThat(r.exitLayer()).isEqualTo(LAST);
                assertThat(r.layersExecuted()).isEqualTo(LAYERS);
                // The deepest head tested, layer 3's: sigmoid(-20).
                assertThat(r.confidence()).isCloseTo(2.06e-9f, within(1e-10f));
                assertThat(r.blockInfluence()).isNull();
            });
        }
    }

    @Test
    void confidentTokensLeaveAtTheFirstExitLayerAndReportIt() {
        model.useExitHeads(ExitHeads.of(constant(1, 20f), constant(3, 20f)));
        int[] exiting;
        try (Generator generator = new Generator(model, 1, 128)) {
            generator.setPlan(confidence(List.of(), Map.of(1, 0.9f, 3, 0.9f), 1));
            Sequence s = generator.generate(Requests.greedy(BOS, 40), t -> { });
            // The first token comes from the prompt's prefill, through every layer.
            assertThat(s.report(0).exitLayer()).isEqualTo(LAST);
            assertThat(s.reports().subList(1, 40)).allSatisfy(r -> {
                assertThat(r.exitLayer()).isEqualTo(1);
                assertThat(r.layersExecuted()).isEqualTo(2);
                assertThat(r.confidence()).isGreaterThan(0.99f);
            });
            exiting = s.generated();
        }
        // Leaving at layer 1 is running layers 0 and 1 only, once the first token is there.
        try (Generator generator = new Generator(model, 1, 128)) {
            generator.setPlan(
                    new ExecutionPlan(1, List.of(2, 3, 4, 5, 6, 7), new ExitPolicy.None()));
            int[] prompt = {Shipped.BOS, exiting[0]};
            int[] shallow = generator.generate(Requests.greedy(prompt, 39), t -> { })
                    .generated();
            assertThat(shallow).isEqualTo(Arrays.copyOfRange(exiting, 1, 40));
        }
    }

    @Test
    void oneRowAndABatchDecideAlikeWhereTheConfidenceRoundsToOne() {
        // sigmoid(20) is 1 - 2e-9: exactly 1 in float32, which a threshold of 1 accepts.
        model.useExitHeads(ExitHeads.of(constant(1, 20f)));
        ExecutionPlan plan = confidence(List.of(), Map.of(1, 1f), 1);
        try (Generator generator = new Generator(model, 2, 64)) {
            generator.setPlan(plan);
            Sequence alone = generator.generate(Requests.greedy(BOS, 6), t -> { });
            List<Sequence> pair = List.of(generator.start(Requests.greedy(BOS, 6)),
                    generator.start(Requests.greedy(new int[] {Shipped.BOS, 403}, 6)));
            while (pair.stream().anyMatch(s -> !s.isFinished())) {
                generator.step(pair);
            }
            for (Sequence s : List.of(alone, pair.get(0), pair.get(1))) {
                assertThat(s.reports().subList(1, 6)).allSatisfy(r -> {
                    assertThat(r.exitLayer()).isEqualTo(1);
                    assertThat(r.confidence()).isEqualTo(1f);
                });
            }
            pair.forEach(generator::release);
        }
    }

    @Test
    void laterTokensAttendToKeysAndValuesPropagatedFromExitStates() {
        model.useExitHeads(ExitHeads.of(random(1, 11, 0), random(2, 12, 2)));
        Map<Integer, Float> thresholds = Map.of(1, 0.75f, 2, 0.98f);
        ExecutionPlan plan = confidence(List.of(), thresholds, 1);
        int[] text = Shipped.greedyText(80);
        List<PositionScore> scores;
        List<PositionScore> batched;
        try (PlanScorer scorer = new PlanScorer(model, 2, 128)) {
            scores = scorer.score(plan, text);
            // Beside another text, rows leave the batch at different layers.
            int[] other = Arrays.copyOfRange(Shipped.greedyText(150), 69, 150);
            other[0] = Shipped.BOS;
            batched = scorer.score(plan, List.of(other, text), 1).get(1);
        }
        Reference propagating = reference(text, thresholds, true);
        Reference notPropagating = reference(text, thresholds, false);
        int[] exits = new int[LAYERS];
        double worstWithout = 0;
        for (int p = 0; p < scores.size(); p++) {
            PositionScore score = scores.get(p);
            assertThat(score.exitLayer()).as("exit at %d", p)
                    .isEqualTo(propagating.exitLayers[p]);
            assertThat(score.layersExecuted()).isEqualTo(score.exitLayer() + 1);
            assertThat(score.confidence()).as("confidence at %d", p)
                    .isCloseTo(propagating.confidences[p], within(1e-4f));
            assertThat(score.logProb()).as("log p at %d", p)
                    .isCloseTo(propagating.logProbs[p], within(1e-4));
            assertThat(score.argmax()).isEqualTo(propagating.argmax[p]);
            assertThat(batched.get(p).exitLayer()).isEqualTo(score.exitLayer());
            assertThat(batched.get(p).logProb()).isCloseTo(score.logProb(), within(1e-4));
            exits[score.exitLayer()]++;
            worstWithout = Math.max(worstWithout,
                    Math.abs(score.logProb() - notPropagating.logProbs[p]));
        }
        // Both exits and full-depth tokens occur, so deeper layers read exited positions.
        assertThat(exits[1]).isGreaterThan(5);
        assertThat(exits[2]).isGreaterThan(5);
        assertThat(exits[LAST]).isGreaterThan(5);
        // Without propagation the deeper layers would attend to empty cache entries.
        assertThat(worstWithout).isGreaterThan(0.05);
    }

    /** What an explicit layer-by-layer decode gives at each position of a text. */
    private record Reference(int[] exitLayers, float[] confidences, double[] logProbs,
            int[] argmax) {
    }

    /**
     * Decodes {@code text} one token and one layer at a time through the public model API,
     * deciding exits on the host; with {@code propagate}, an exited token then runs each deeper
     * layer on its exit state, which writes exactly the propagated keys and values.
     */
    private static Reference reference(int[] text, Map<Integer, Float> thresholds,
            boolean propagate) {
        int n = text.length - 1;
        Reference ref = new Reference(new int[n], new float[n], new double[n], new int[n]);
        int vocab = model.config().vocabSize();
        int dim = model.config().dim();
        ExitHeads heads = model.exitHeads();
        try (KvCache cache = model.newCache(1, 128)) {
            float[] first = model.prefill(cache, 0, 0, new int[] {text[0]});
            record(ref, 0, first, LAST, Float.NaN, text[1], vocab);
            for (int p = 1; p < n; p++) {
                try (NDManager scope = model.newScope()) {
                    Rows rows = model.decodeRows(scope, cache, new int[] {0}, new int[] {p});
                    NDArray h = model.embed(scope, new int[] {text[p]});
                    float confidence = Float.NaN;
                    int exit = LAYERS - 1;
                    NDArray exitState = null;
                    for (int layer = 0; layer < LAYERS; layer++) {
                        h = model.layer(layer, h, rows, cache);
                        Float threshold = thresholds.get(layer);
                        if (threshold != null) {
                            ExitHead head = heads.at(layer).orElseThrow();
                            float[] adapted = adapt(head, h.toFloatArray());
                            confidence = confidence(head, adapted);
                            if (confidence >= threshold) {
                                exit = layer;
                                exitState = scope.create(adapted, new Shape(1, dim));
                                break;
                            }
                        }
                    }
                    if (exitState == null) {
                        exitState = h;
                    } else if (propagate) {
                        for (int deeper = exit + 1; deeper < LAYERS; deeper++) {
                            model.layer(deeper, h, rows, cache);
                        }
                    }
                    record(ref, p, model.logits(exitState).toFloatArray(), exit, confidence,
                            text[p + 1], vocab);
                }
            }
        }
        return ref;
    }

    private static void record(Reference ref, int p, float[] logits, int exit, float confidence,
            int target, int vocab) {
        ref.exitLayers[p] = exit;
        ref.confidences[p] = confidence;
        ref.logProbs[p] = PlanScorerTest.logSoftmax(logits, vocab, target);
        ref.argmax[p] = Sampler.argmax(logits, 0, vocab);
    }

    /** h + up (down h). */
    private static float[] adapt(ExitHead head, float[] h) {
        int dim = h.length;
        float[] out = h.clone();
        float[] down = head.down();
        float[] up = head.up();
        for (int r = 0; r < head.rank(); r++) {
            double z = 0;
            for (int i = 0; i < dim; i++) {
                z += down[r * dim + i] * h[i];
            }
            for (int i = 0; i < dim; i++) {
                out[i] += (float) (up[i * head.rank() + r] * z);
            }
        }
        return out;
    }

    /** sigmoid(w . finalNorm(h) + b). */
    private static float confidence(ExitHead head, float[] h) {
        double squares = 0;
        for (float v : h) {
            squares += v * v;
        }
        double scale = 1 / Math.sqrt(squares / h.length + model.config().normEps());
        float[] w = head.confidenceWeight();
        double logit = head.confidenceBias();
        for (int i = 0; i < h.length; i++) {
            logit += w[i] * finalNorm[i] * h[i] * scale;
        }
        return (float) (1 / (1 + Math.exp(-logit)));
    }

    @Test
    void sequencesExitTogetherAsTheyWouldAloneAndRunWhatThePlanAllows() {
        model.useExitHeads(ExitHeads.of(random(0, 20, 0), random(1, 21, 1), random(2, 22, 0)));
        // Layer 0's threshold is below the minimum exit layer and layer 3 is skipped.
        ExecutionPlan plan = confidence(List.of(3), Map.of(0, 0.1f, 1, 0.6f, 2, 0.6f), 1);
        int[][] prompts = {BOS, {Shipped.BOS, 403, 407}, {Shipped.BOS, 300, 301, 302}};
        int[] maxTokens = {40, 9, 25};
        List<Sequence> alone = new ArrayList<>();
        try (Generator generator = new Generator(model, 1, 128)) {
            generator.setPlan(plan);
            for (int i = 0; i < 3; i++) {
                alone.add(generator.generate(Requests.greedy(prompts[i], maxTokens[i]),
                        t -> { }));
            }
        }
        try (Generator generator = new Generator(model, 3, 128)) {
            generator.setPlan(plan);
            List<Sequence> batch = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                batch.add(generator.start(Requests.greedy(prompts[i], maxTokens[i])));
            }
            while (batch.stream().anyMatch(s -> !s.isFinished())) {
                generator.step(batch);
            }
            int[] exits = new int[LAYERS];
            for (int i = 0; i < 3; i++) {
                Sequence together = batch.get(i);
                assertThat(together.generated()).as("sequence %d", i)
                        .isEqualTo(alone.get(i).generated());
                for (int t = 1; t < together.generatedCount(); t++) {
                    TokenReport r = together.report(t);
                    assertThat(r.exitLayer()).isEqualTo(alone.get(i).report(t).exitLayer());
                    assertThat(r.exitLayer()).isIn(1, 2, LAST);
                    assertThat(r.layersExecuted())
                            .isEqualTo(plan.keptLayers(0, r.exitLayer() + 1).length);
                    if (r.exitLayer() < LAST) {
                        assertThat(r.confidence()).isGreaterThanOrEqualTo(0.6f);
                    } else {
                        assertThat(r.confidence()).isLessThan(0.6f);
                    }
                    exits[r.exitLayer()]++;
                }
            }
            assertThat(exits[1]).isPositive();
            assertThat(exits[2]).isPositive();
            assertThat(exits[LAST]).isPositive();
            batch.forEach(generator::release);
        }
    }

    @Test
    void plansNeedAHeadAtEveryLayerTheyExitAt() {
        model.useExitHeads(ExitHeads.of(constant(1, 0f)));
        try (Generator generator = new Generator(model, 1, 64)) {
            assertThatThrownBy(() -> generator.setPlan(
                    confidence(List.of(), Map.of(1, 0.9f, 3, 0.9f), 1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("the plan exits at layer 3 but the model has no exit head there"
                            + " (it has heads for layers [1])");
            // Thresholds below the minimum exit layer or at the last layer need no head.
            generator.setPlan(confidence(List.of(), Map.of(0, 0.9f, 1, 0.9f, LAST, 0.5f), 1));
        }
        assertThatThrownBy(() -> model.useExitHeads(ExitHeads.of(
                new ExitHead(2, new float[8], 0f))))
                .isInstanceOf(CheckpointException.class)
                .hasMessage("exit head for layer 2 reads width 8 but the model's width is 128");
    }

    @Test
    void sampledTokensReportTheInfluenceOfTheLayersTheyRan() {
        model.useExitHeads(ExitHeads.of(random(1, 31, 0)));
        ExecutionPlan plan = confidence(List.of(2), Map.of(1, 0.6f), 0);
        int[] unsampled;
        try (Generator generator = new Generator(model, 1, 128)) {
            generator.setPlan(plan);
            unsampled = generator.generate(Requests.greedy(BOS, 41), t -> { }).generated();
        }
        try (Generator generator = new Generator(model, 1, 128)) {
            generator.setPlan(plan);
            generator.setInfluenceSampling(0.25);
            Sequence s = generator.generate(Requests.greedy(BOS, 41), t -> { });
            assertThat(s.generated()).isEqualTo(unsampled);
            int sampled = 0;
            for (int t = 1; t < 41; t++) {
                TokenReport r = s.report(t);
                float[] influence = r.blockInfluence();
                if (t % 4 != 0) {
                    assertThat(influence).as("token %d", t).isNull();
                    continue;
                }
                sampled++;
                assertThat(influence).as("token %d", t).hasSize(LAYERS);
                for (int layer = 0; layer < LAYERS; layer++) {
                    boolean ran = layer != 2 && layer <= r.exitLayer();
                    if (ran) {
                        assertThat(influence[layer]).isBetween(0f, 2f);
                    } else {
                        assertThat(influence[layer]).isNaN();
                    }
                }
            }
            assertThat(sampled).isEqualTo(10);
        }
    }
}
