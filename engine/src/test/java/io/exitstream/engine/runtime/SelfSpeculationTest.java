package io.exitstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import io.exitstream.engine.sampling.Sampler;
import io.exitstream.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Self-speculative decoding emits exactly the full model's tokens, or its distribution. */
class SelfSpeculationTest {

    private static final int[] BOS = Shipped.BOS_PROMPT;
    private static final int[] NO_STOP = {};
    private final LlamaModel model = Shipped.model();

    @ParameterizedTest(name = "exit layer {0}, {1} drafts, skipping {2}")
    @CsvSource({"2, 4, ''", "3, 3, ''", "0, 2, ''", "1, 5, '3'"})
    void greedyReproducesTheFullModelAndCountsDraftsConsistently(int exitLayer, int drafts,
            String skipped) {
        List<Integer> skip = skipped.isEmpty() ? List.of() : List.of(Integer.valueOf(skipped));
        int[] expected;
        try (Generator generator = new Generator(model, 1, 256)) {
            generator.setPlan(new ExecutionPlan(1, skip, new ExitPolicy.None()));
            expected = generator.generate(Requests.greedy(BOS, 200), t -> { }).generated();
        }
        try (Generator generator = new Generator(model, 1, 256)) {
            generator.setPlan(new ExecutionPlan(5, skip,
                    new ExitPolicy.SelfSpeculative(exitLayer, drafts)));
            List<Integer> streamed = new ArrayList<>();
            Sequence s = generator.generate(Requests.greedy(BOS, 200), streamed::add);
            assertThat(s.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(s.generated()).isEqualTo(expected);
            assertThat(streamed).hasSize(200);

            List<TokenReport> reports = s.reports();
            int accepted = 0;
            int corrections = 0;
            int draftedTotal = 0;
            for (TokenReport r : reports.subList(1, reports.size())) {
                assertThat(r.planVersion()).isEqualTo(5);
                assertThat(r.layersExecuted()).isEqualTo(Shipped.LAYERS - skip.size());
                accepted += r.accepted();
                draftedTotal += r.drafted();
                if (r.accepted() == 1) {
                    assertThat(r.exitLayer()).isEqualTo(exitLayer);
                    assertThat(r.confidence()).isBetween(0f, 1f);
                } else {
                    assertThat(r.drafted()).isBetween(1, drafts);
                    assertThat(r.exitLayer()).isEqualTo(Shipped.LAST);
                    corrections++;
                }
            }
            // The first token comes from the prompt's prefill, before any drafting.
            assertThat(reports.get(0).drafted()).isZero();
            assertThat(1 + accepted + corrections).isEqualTo(200);
            assertThat(accepted).isLessThanOrEqualTo(draftedTotal);
            System.out.printf("self-speculation E=%d k=%d skip=%s: acceptance %d/%d = %.3f%n",
                    exitLayer, drafts, skip, accepted, draftedTotal,
                    accepted / (double) draftedTotal);
        }
    }

    @Test
    void manySequencesSpeculateTogetherAsTheyWouldAlone() {
        int[][] prompts = {BOS, {Shipped.BOS, 403, 407}, {Shipped.BOS, 300, 301, 302}};
        int[] maxTokens = {40, 9, 25};
        int[][] alone = new int[3][];
        try (Generator generator = new Generator(model, 1, 128)) {
            for (int i = 0; i < 3; i++) {
                alone[i] = generator.generate(Requests.greedy(prompts[i], maxTokens[i]), t -> { })
                        .generated();
            }
        }
        try (Generator generator = new Generator(model, 3, 128)) {
            generator.setPlan(new ExecutionPlan(2, List.of(),
                    new ExitPolicy.SelfSpeculative(2, 4)));
            List<Sequence> batch = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                batch.add(generator.start(Requests.greedy(prompts[i], maxTokens[i])));
            }
            while (batch.stream().anyMatch(s -> !s.isFinished())) {
                generator.step(batch);
            }
            for (int i = 0; i < 3; i++) {
                assertThat(batch.get(i).generated()).as("sequence %d", i).isEqualTo(alone[i]);
                assertThat(batch.get(i).finishReason()).isEqualTo(FinishReason.LENGTH);
            }
            batch.forEach(generator::release);
        }
    }

    @Test
    void stopTokensMaxTokensAndTheContextEndAsInNormalGeneration() {
        int stop = Shipped.greedyIds(4)[3];
        try (Generator generator = new Generator(model, 1, 16)) {
            generator.setPlan(new ExecutionPlan(1, List.of(),
                    new ExitPolicy.SelfSpeculative(1, 4)));
            Sequence stopped = generator.generate(new GenerationRequest(BOS,
                    SamplingParams.greedy(), 100, new int[] {stop}), t -> { });
            assertThat(stopped.finishReason()).isEqualTo(FinishReason.STOP);
            assertThat(stopped.generated()).hasSize(Shipped.firstGreedyIndexOf(stop));

            Sequence full = generator.generate(
                    Requests.greedy(new int[] {Shipped.BOS, 403, 407}, 100), t -> { });
            assertThat(full.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(full.generatedCount()).isEqualTo(16 - 3 + 1);

            Sequence capped = generator.generate(Requests.greedy(BOS, 7), t -> { });
            assertThat(capped.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(capped.generated()).containsExactly(Shipped.greedyIds(7));
            assertThat(generator.freeSlots()).isEqualTo(1);
        }
    }

    @Test
    void sampledSpeculationIsSeededAndKeepsTheFullModelsDistribution() {
        // Top-k keeps the exact distribution small enough to enumerate: 8 x 8 continuations.
        int[] prompt = {Shipped.BOS, 403, 407};
        int draws = 1200;
        int vocab = model.config().vocabSize();
        ExecutionPlan plan = new ExecutionPlan(1, List.of(),
                new ExitPolicy.SelfSpeculative(3, 2));
        double[][] observed = new double[2][vocab];
        int accepted = 0;
        int drafted = 0;
        try (Generator generator = new Generator(model, 1, 64)) {
            generator.setPlan(plan);
            for (int seed = 0; seed < draws; seed++) {
                Sequence s = generator.generate(new GenerationRequest(prompt, topK(seed), 3,
                        NO_STOP), t -> { });
                observed[0][s.token(1)] += 1.0 / draws;
                observed[1][s.token(2)] += 1.0 / draws;
                for (TokenReport r : s.reports()) {
                    accepted += r.accepted();
                    drafted += r.drafted();
                }
            }
            int[] again = generator.generate(new GenerationRequest(prompt, topK(17), 3,
                    NO_STOP), t -> { }).generated();
            int[] first = generator.generate(new GenerationRequest(prompt, topK(17), 3,
                    NO_STOP), t -> { }).generated();
            assertThat(again).isEqualTo(first);
        }
        double[][] exact = exactDistributions(prompt, vocab);
        for (int position = 0; position < 2; position++) {
            for (int token = 0; token < vocab; token++) {
                double p = exact[position][token];
                // Five standard deviations, plus two draws of slack for rare tokens, where one
                // chance draw is many deviations.
                double tolerance = 5 * Math.sqrt(p * (1 - p) / draws) + 2.0 / draws;
                assertThat(observed[position][token])
                        .as("frequency of token %d as generated token %d", token, position + 2)
                        .isCloseTo(p, offset(tolerance));
            }
        }
        // Both paths took part: drafts accepted, and drafts rejected and resampled.
        assertThat(accepted).isPositive().isLessThan(drafted);
        System.out.printf("sampled self-speculation E=3 k=2: acceptance %d/%d%n", accepted,
                drafted);
    }

    /** The full model's marginal distributions of the second and third generated tokens. */
    private double[][] exactDistributions(int[] prompt, int vocab) {
        double[][] exact = new double[2][vocab];
        Sampler filter = new Sampler(topK(0));
        try (KvCache cache = model.newCache(1, 64)) {
            int slot = cache.acquire();
            float[] p1 = filter.distribution(model.prefill(cache, slot, 0, prompt), 0, vocab);
            for (int t1 = 0; t1 < vocab; t1++) {
                if (p1[t1] == 0) {
                    continue;
                }
                float[] p2 = filter.distribution(model.prefill(cache, slot, 0,
                        append(prompt, t1)), 0, vocab);
                for (int t2 = 0; t2 < vocab; t2++) {
                    if (p2[t2] == 0) {
                        continue;
                    }
                    exact[0][t2] += p1[t1] * p2[t2];
                    float[] p3 = filter.distribution(model.prefill(cache, slot, 0,
                            append(append(prompt, t1), t2)), 0, vocab);
                    for (int t3 = 0; t3 < vocab; t3++) {
                        exact[1][t3] += (double) p1[t1] * p2[t2] * p3[t3];
                    }
                }
            }
        }
        return exact;
    }

    private static int[] append(int[] tokens, int token) {
        int[] longer = Arrays.copyOf(tokens, tokens.length + 1);
        longer[tokens.length] = token;
        return longer;
    }

    private static SamplingParams topK(long seed) {
        return new SamplingParams(1f, 1f, 8, seed);
    }
}
