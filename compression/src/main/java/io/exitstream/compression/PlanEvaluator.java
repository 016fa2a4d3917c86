package io.exitstream.compression;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.runtime.Generator;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.PlanScorer;
import io.exitstream.engine.runtime.PositionScore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Compares an execution plan with the full model on a corpus: quality by teacher-forced scoring
 * (perplexity, greedy agreement, layers per token), speed by timed greedy decoding. The full
 * model is scored once, when the evaluator is made; each plan is then one scoring pass.
 *
 * <p>Greedy agreement is the fraction of positions where the plan's argmax equals the full
 * model's, both fed the corpus's true tokens, so one disagreement does not derail the rest.
 * Scoring runs the plan exactly as generation does (exits, KV propagation), through the engine's
 * {@link PlanScorer}.
 *
 * <p>Owned by one thread, like the model.
 */
public final class PlanEvaluator implements AutoCloseable {

    /** Sequences scored together. */
    private static final int SCORE_BATCH = 8;
    /** Tokens of each corpus sequence that prompt a timed decode. */
    private static final int PROMPT_TOKENS = 4;

    private final LlamaModel model;
    private final Corpus corpus;
    private final PlanScorer scorer;
    private final int[][] fullArgmax;
    private final Quality fullQuality;

    public PlanEvaluator(LlamaModel model, Corpus corpus) {
        this.model = model;
        this.corpus = corpus;
        int longest = corpus.sequences().stream().mapToInt(s -> s.length).max().orElseThrow();
        if (longest > model.config().contextLength()) {
            throw new IllegalArgumentException("a sequence of " + longest + " tokens is longer"
                    + " than the model's context of " + model.config().contextLength());
        }
        this.scorer = new PlanScorer(model, SCORE_BATCH, longest);
        List<List<PositionScore>> full = score(ExecutionPlan.full());
        this.fullArgmax = new int[full.size()][];
        for (int i = 0; i < full.size(); i++) {
            fullArgmax[i] = full.get(i).stream().mapToInt(PositionScore::argmax).toArray();
        }
        this.fullQuality = quality(full, perplexity(full));
    }

    public LlamaModel model() {
        return model;
    }

    public Corpus corpus() {
        return corpus;
    }

    /** The full model's scores on the corpus, made when the evaluator was. */
    public Quality fullQuality() {
        return fullQuality;
    }

    /**
     * How a plan's teacher-forced predictions compare with the full model's.
     *
     * @param tokens positions scored (every token after each sequence's first)
     * @param perplexityChange relative: {@code perplexity / fullPerplexity - 1}
     * @param agreement fraction of positions whose argmax is the full model's
     * @param disagreements positions whose argmax is not the full model's
     * @param meanLayers layers executed per position
     */
    public record Quality(int tokens, double perplexity, double fullPerplexity,
            double perplexityChange, double agreement, int disagreements, double meanLayers) {
    }

    /** Scores the plan on the corpus (it must fit the model and its exit heads). */
    public Quality quality(ExecutionPlan plan) {
        return quality(score(plan), fullQuality.perplexity());
    }

    private Quality quality(List<List<PositionScore>> scores, double fullPerplexity) {
        int tokens = 0;
        int disagreements = 0;
        long layers = 0;
        for (int i = 0; i < scores.size(); i++) {
            List<PositionScore> sequence = scores.get(i);
            for (int t = 0; t < sequence.size(); t++) {
                PositionScore p = sequence.get(t);
                tokens++;
                layers += p.layersExecuted();
                if (p.argmax() != fullArgmax[i][t]) {
                    disagreements++;
                }
            }
        }
        double perplexity = perplexity(scores);
        return new Quality(tokens, perplexity, fullPerplexity, perplexity / fullPerplexity - 1,
                1 - (double) disagreements / tokens, disagreements, (double) layers / tokens);
    }

    /**
     * Decode speed of greedy generation under the plan.
     *
     * @param tokensPerSecond median over the runs, all sequences together
     * @param meanLayers layers executed per decoded token (last run)
     * @param draftsAccepted self-speculation's acceptance rate, NaN without drafts
     */
    public record Speed(int batch, int tokensPerSequence, double tokensPerSecond,
            double[] runsTokensPerSecond, double meanLayers, double draftsAccepted) {
    }

    /**
     * Times {@code runs} greedy decodes of {@code tokens} tokens for a batch of sequences, after
     * an untimed warm-up ({@link DecodeSpeed#warmUp}, {@link DecodeSpeed#WARM_UP_SECONDS}). The
     * prompts are the first tokens of the corpus's sequences, so that
     * the sequences of a batch differ.
     */
    public Speed speed(ExecutionPlan plan, int batch, int tokens, int runs) {
        if (batch <= 0 || tokens <= 0 || runs <= 0) {
            throw new IllegalArgumentException("batch, tokens and runs must be positive, got "
                    + batch + ", " + tokens + ", " + runs);
        }
        List<int[]> prompts = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            int[] sequence = corpus.sequences().get(i % corpus.sequences().size());
            prompts.add(Arrays.copyOf(sequence, Math.min(PROMPT_TOKENS, sequence.length)));
        }
        int context = PROMPT_TOKENS + tokens + 1;
        if (context > model.config().contextLength()) {
            throw new IllegalArgumentException("decoding " + tokens + " tokens does not fit the"
                    + " model's context of " + model.config().contextLength());
        }
        double[] perSecond = new double[runs];
        DecodeSpeed.Run last = null;
        try (Generator generator = new Generator(model, batch, context)) {
            generator.setPlan(plan);
            DecodeSpeed.warmUp(() -> DecodeSpeed.time(generator, prompts, tokens),
                    DecodeSpeed.WARM_UP_SECONDS);
            for (int r = 0; r < runs; r++) {
                last = DecodeSpeed.time(generator, prompts, tokens);
                perSecond[r] = last.tokensPerSecond();
            }
        }
        double accepted = last.drafted() > 0 ? (double) last.accepted() / last.drafted()
                : Double.NaN;
        return new Speed(batch, tokens, DecodeSpeed.median(perSecond), perSecond,
                last.meanLayers(), accepted);
    }

    private List<List<PositionScore>> score(ExecutionPlan plan) {
        return scorer.score(plan, corpus.sequences(), 1);
    }

    private static double perplexity(List<List<PositionScore>> scores) {
        return Math.exp(negativeLogLikelihood(scores) / positions(scores));
    }

    /** Minus the natural log-probability of every scored position's target, summed. */
    static double negativeLogLikelihood(List<List<PositionScore>> scores) {
        double nll = 0;
        for (List<PositionScore> sequence : scores) {
            for (PositionScore p : sequence) {
                nll -= p.logProb();
            }
        }
        return nll;
    }

    /** Positions scored, over every sequence. */
    static int positions(List<List<PositionScore>> scores) {
        return scores.stream().mapToInt(List::size).sum();
    }

    @Override
    public void close() {
        scorer.close();
    }
}
