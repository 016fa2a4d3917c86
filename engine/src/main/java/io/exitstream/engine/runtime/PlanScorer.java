package io.exitstream.engine.runtime;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.sampling.Sampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Teacher-forced scoring of token sequences under an execution plan, for perplexity and greedy
 * agreement. A sequence runs as generation would run it if every token it emitted were the
 * actual next token: its prompt (the first {@code promptLength} tokens) is prefilled through
 * every kept layer, then each later token is decoded on its own under the plan, with the same
 * exits and cache writes as {@link Generator#step}. Several sequences decode as one batch.
 *
 * <p>A self-speculative plan emits the full model's tokens, so it is scored as the plan without
 * drafts would be: every position runs every kept layer.
 *
 * <p>Owned by one thread, like the model.
 */
public final class PlanScorer implements AutoCloseable {

    private final LlamaModel model;
    private final KvCache cache;
    private final StepOutput output = new StepOutput();
    private boolean influence;

    /**
     * @param maxBatch sequences scored together
     * @param contextLength the longest sequence that can be scored, at most the model's
     */
    public PlanScorer(LlamaModel model, int maxBatch, int contextLength) {
        this.model = model;
        this.cache = model.newCache(maxBatch, contextLength);
    }

    /**
     * Whether decoded positions also measure every executed layer's block influence
     * ({@link PositionScore#blockInfluence()}); off at first. The prompt's last position, which
     * comes from the prefill, is never measured.
     */
    public void measureInfluence(boolean measure) {
        influence = measure;
    }

    /** Scores every position after the first token (usually BOS) of {@code tokens}. */
    public List<PositionScore> score(ExecutionPlan plan, int[] tokens) {
        return score(plan, List.of(tokens), 1).get(0);
    }

    /**
     * Scores positions {@code promptLength - 1} to {@code length - 2} of each sequence: the
     * prediction of every token after the prompt.
     *
     * @throws IllegalArgumentException if the plan does not fit the model, or a sequence has no
     *     token after its prompt or is longer than the scorer's context
     */
    public List<List<PositionScore>> score(ExecutionPlan plan, List<int[]> sequences,
            int promptLength) {
        LayerSchedule schedule = new LayerSchedule(plan, model);
        if (promptLength < 1) {
            throw new IllegalArgumentException("the prompt needs at least one token");
        }
        for (int[] tokens : sequences) {
            if (tokens.length <= promptLength || tokens.length > cache.positions()) {
                throw new IllegalArgumentException("a sequence of " + tokens.length
                        + " tokens cannot be scored after a prompt of " + promptLength
                        + " in a context of " + cache.positions());
            }
        }
        List<List<PositionScore>> scores = new ArrayList<>(sequences.size());
        for (int from = 0; from < sequences.size(); from += cache.slots()) {
            List<int[]> batch = sequences.subList(from,
                    Math.min(sequences.size(), from + cache.slots()));
            scores.addAll(scoreBatch(schedule, batch, promptLength));
        }
        return scores;
    }

    private List<List<PositionScore>> scoreBatch(LayerSchedule schedule, List<int[]> batch,
            int promptLength) {
        int n = batch.size();
        List<List<PositionScore>> scores = new ArrayList<>(n);
        List<Integer> slots = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                slots.add(cache.acquire());
                int[] tokens = batch.get(i);
                float[] logits = model.prefill(cache, slots.get(i), 0,
                        Arrays.copyOf(tokens, promptLength), schedule.kept);
                List<PositionScore> sequence = new ArrayList<>(tokens.length - promptLength);
                sequence.add(score(promptLength - 1, tokens,
                        DecodedRows.full(logits, 1, model.config().vocabSize(), schedule), 0));
                scores.add(sequence);
            }
            // Each step decodes the next position of every sequence that still has one.
            for (int position = promptLength; ; position++) {
                List<Integer> running = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    if (position + 1 < batch.get(i).length) {
                        running.add(i);
                    }
                }
                if (running.isEmpty()) {
                    return scores;
                }
                int rows = running.size();
                int[] rowSlots = new int[rows];
                int[] positions = new int[rows];
                int[] tokens = new int[rows];
                for (int r = 0; r < rows; r++) {
                    int i = running.get(r);
                    rowSlots[r] = slots.get(i);
                    positions[r] = position;
                    tokens[r] = batch.get(i)[position];
                }
                DecodedRows decoded = schedule.decode(model, cache, rowSlots, positions, tokens,
                        influence, output);
                for (int r = 0; r < rows; r++) {
                    int i = running.get(r);
                    scores.get(i).add(score(position, batch.get(i), decoded, r));
                }
            }
        } finally {
            slots.forEach(cache::release);
        }
    }

    /** The score of {@code row} of a step that fed {@code tokens[position]}. */
    private PositionScore score(int position, int[] tokens, DecodedRows decoded, int row) {
        int vocab = model.config().vocabSize();
        int offset = decoded.offset(row);
        int target = tokens[position + 1];
        return new PositionScore(position, target,
                Sampler.logProbability(decoded.logits, offset, vocab, target),
                Sampler.argmax(decoded.logits, offset, vocab), decoded.exitLayer(row),
                decoded.layersExecuted(row), decoded.confidence(row), decoded.influence(row));
    }

    @Override
    public void close() {
        cache.close();
    }
}
