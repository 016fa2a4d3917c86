package io.exitstream.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.exitstream.engine.sampling.Sampler;
import io.exitstream.engine.sampling.TokenLogprobs;
import java.util.ArrayList;
import java.util.List;

/**
 * One self-speculative round (LayerSkip) for a batch of sequences that share a plan.
 *
 * <p>Draft: each sequence's last token runs the kept layers up to the exit layer, the exit head
 * (final norm and LM head) proposes the next token, and that token is fed the same way, up to
 * the plan's draft length. The drafting writes the draft layers' keys and values for every
 * drafted position, and the exit layer's hidden states are kept.
 *
 * <p>Verify: the kept layers above the exit layer run on all kept hidden states in one pass,
 * which reuses the draft layers' keys and values instead of recomputing them (the point of
 * self-speculation: the draft layers run once per position). The LM head on those rows gives
 * the full model's choice at each drafted position. Drafts are accepted while they agree with
 * it: by equality when greedy, else with probability min(1, p/q), the rejected position taking
 * a token drawn from norm(max(0, p - q)), which keeps the output distributed exactly as the
 * full model's. The first disagreement emits the full model's token and ends the round.
 *
 * <p>Positions past the last emitted token hold keys and values of rejected drafts; the next
 * round writes over them before anything attends to them, since attention only reaches up to
 * the row's own position.
 */
final class SelfSpeculation {

    private final LlamaModel model;
    private final KvCache cache;
    /** Each draft step's logits, then the verifying pass's: each is read before the next. */
    private final StepOutput output;

    SelfSpeculation(LlamaModel model, KvCache cache, StepOutput output) {
        this.model = model;
        this.cache = cache;
        this.output = output;
    }

    /** Runs one round for each of {@code running} (unfinished, in slot order). */
    void step(LayerSchedule plan, List<Sequence> running) {
        int n = running.size();
        int vocab = model.config().vocabSize();
        // Drafting past max_tokens or the context would be wasted or out of bounds.
        int[] lengths = new int[n];
        int longest = 0;
        for (int i = 0; i < n; i++) {
            Sequence s = running.get(i);
            lengths[i] = Math.min(plan.draftTokens(),
                    Math.min(s.remainingTokens(), cache.positions() - s.position()));
            longest = Math.max(longest, lengths[i]);
        }
        int[][] drafts = new int[n][];
        float[][] confidences = new float[n][];
        float[][][] draftDistributions = new float[n][][];
        for (int i = 0; i < n; i++) {
            drafts[i] = new int[lengths[i]];
            confidences[i] = new float[lengths[i]];
            draftDistributions[i] = new float[lengths[i]][];
        }
        float[] full;
        try (NDManager scope = model.newScope()) {
            List<NDArray> hidden = new ArrayList<>(longest);
            // rowOf[i][j]: the row of sequence i's j-th drafted position among all kept states.
            int[][] rowOf = new int[n][];
            for (int i = 0; i < n; i++) {
                rowOf[i] = new int[lengths[i]];
            }
            int kept = 0;
            for (int j = 0; j < longest; j++) {
                List<Integer> active = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    if (lengths[i] > j) {
                        active.add(i);
                    }
                }
                int rows = active.size();
                int[] slots = new int[rows];
                int[] positions = new int[rows];
                int[] tokens = new int[rows];
                for (int r = 0; r < rows; r++) {
                    int i = active.get(r);
                    Sequence s = running.get(i);
                    slots[r] = s.slot();
                    positions[r] = s.position() + j;
                    tokens[r] = j == 0 ? s.lastToken() : drafts[i][j - 1];
                }
                NDArray h = model.hidden(scope, tokens, plan.draft,
                        model.decodeRows(scope, cache, slots, positions), cache);
                float[] logits = output.copy(model.logits(h));
                for (int r = 0; r < rows; r++) {
                    int i = active.get(r);
                    Sampler sampler = running.get(i).sampler();
                    int draft;
                    if (sampler.params().isGreedy()) {
                        draft = sampler.sample(logits, r * vocab, vocab);
                    } else {
                        draftDistributions[i][j] = sampler.distribution(logits, r * vocab, vocab);
                        draft = sampler.sample(draftDistributions[i][j]);
                    }
                    drafts[i][j] = draft;
                    confidences[i][j] = (float) Math.exp(
                            Sampler.logProbability(logits, r * vocab, vocab, draft));
                    rowOf[i][j] = kept + r;
                }
                hidden.add(h);
                kept += rows;
            }
            full = verify(scope, plan, running, lengths, hidden, rowOf);
        }
        int row = 0;
        for (int i = 0; i < n; i++) {
            accept(plan, running.get(i), drafts[i], confidences[i], draftDistributions[i], full,
                    row);
            row += lengths[i];
        }
    }

    /**
     * The full model's logits at every drafted position, {@code [sum(lengths) * vocab]}, sequence
     * by sequence, from the kept hidden states in one pass through the verifying layers.
     */
    private float[] verify(NDManager scope, LayerSchedule plan, List<Sequence> running,
            int[] lengths, List<NDArray> hidden, int[][] rowOf) {
        NDArray states = hidden.size() == 1 ? hidden.get(0)
                : NDArrays.concat(new NDList(hidden));
        Rows rows;
        if (running.size() == 1) {
            // One sequence: its drafted states are already in position order, and consecutive
            // positions of one slot are the prefill layout, which reads the cache as a view.
            Sequence s = running.get(0);
            rows = model.prefillRows(scope, cache, s.slot(), s.position(), lengths[0]);
        } else {
            int total = 0;
            for (int length : lengths) {
                total += length;
            }
            long[] order = new long[total];
            int[] slots = new int[total];
            int[] positions = new int[total];
            int r = 0;
            for (int i = 0; i < running.size(); i++) {
                for (int j = 0; j < lengths[i]; j++, r++) {
                    order[r] = rowOf[i][j];
                    slots[r] = running.get(i).slot();
                    positions[r] = running.get(i).position() + j;
                }
            }
            // Decode rows may repeat a slot: each row attends up to its own position.
            states = states.get(scope.create(order));
            rows = model.decodeRows(scope, cache, slots, positions);
        }
        return output.copy(model.logits(model.layers(plan.verify, states, rows, cache)));
    }

    /** Emits the accepted drafts of one sequence, then the full model's token if one failed. */
    private void accept(LayerSchedule plan, Sequence s, int[] drafts, float[] confidences,
            float[][] draftDistributions, float[] full, int firstRow) {
        int vocab = model.config().vocabSize();
        Sampler sampler = s.sampler();
        long version = plan.plan.version();
        for (int j = 0; j < drafts.length && !s.isFinished(); j++) {
            int offset = (firstRow + j) * vocab;
            int draft = drafts[j];
            boolean accepted;
            int token;
            if (sampler.params().isGreedy()) {
                // Greedy after penalties and biases, which is plain argmax without them.
                token = sampler.sample(full, offset, vocab);
                accepted = token == draft;
            } else {
                float[] p = sampler.distribution(full, offset, vocab);
                float[] q = draftDistributions[j];
                // Accept with probability min(1, p/q); q > 0 because the draft was drawn from q.
                accepted = sampler.nextUniform() * q[draft] < p[draft];
                token = accepted ? draft : sampler.sample(residual(p, q));
            }
            s.advance();
            // Every emitted token is the full model's choice: its log probabilities are too.
            TokenLogprobs logprobs = sampler.logprobs(full, offset, vocab, token);
            if (accepted) {
                s.accept(new TokenReport(token, version, plan.exitLayer(), plan.kept.length,
                        confidences[j], 1, 1, null), logprobs, cache.positions());
            } else {
                s.accept(new TokenReport(token, version, plan.lastKept, plan.kept.length,
                        Float.NaN, drafts.length - j, 0, null), logprobs, cache.positions());
                return;
            }
        }
    }

    /** max(0, p - q), or p when rounding leaves nothing (then p and q are equal). */
    private static float[] residual(float[] p, float[] q) {
        float[] r = new float[p.length];
        float total = 0;
        for (int i = 0; i < p.length; i++) {
            r[i] = Math.max(0f, p[i] - q[i]);
            total += r[i];
        }
        return total > 0 ? r : p;
    }
}
