package io.exitstream.engine.runtime;

import io.exitstream.engine.plan.ExecutionPlan;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Generates tokens for many sequences at once: a prompt enters with {@link #start} (one prefill
 * pass, which also yields its first token), then every {@link #step} gives each running
 * sequence one more token in a single batched pass, whatever their lengths. Sequences join and
 * leave between steps, which is what continuous batching needs.
 *
 * <p>An {@link ExecutionPlan} (see {@link #setPlan}) says which layers run and whether tokens
 * are drafted and verified (self-speculation). A sequence keeps the plan it started under:
 * layers a plan skips get no keys and values, so a sequence switching to a plan that runs them
 * would attend over missing entries. A new plan therefore applies to the sequences that start
 * after it; one step runs each plan's sequences as a batch of their own.
 *
 * <p>Owned by one thread, like the model it drives.
 */
public final class Generator implements AutoCloseable {

    private final LlamaModel model;
    private final KvCache cache;
    /** The sequence in each slot; slots in use are always 0..n-1 (see {@link #release}). */
    private final Sequence[] bySlot;
    private final SelfSpeculation speculation;
    private LayerSchedule schedule;

    /**
     * @param maxBatch sequences that can be in flight at once
     * @param contextLength positions per sequence, at most the model's
     */
    public Generator(LlamaModel model, int maxBatch, int contextLength) {
        this.model = model;
        this.cache = model.newCache(maxBatch, contextLength);
        this.bySlot = new Sequence[maxBatch];
        this.speculation = new SelfSpeculation(model, cache);
        this.schedule = new LayerSchedule(ExecutionPlan.full(), model);
    }

    /** The plan new sequences start under; {@link ExecutionPlan#full()} at first. */
    public ExecutionPlan plan() {
        return schedule.plan;
    }

    /**
     * Makes {@code plan} the plan of every sequence started from now on; running sequences keep
     * theirs. Call it between steps, on the generator's thread.
     *
     * @throws IllegalArgumentException if the plan does not fit the model, or asks for
     *     confidence exits, which the generator does not run yet
     */
    public void setPlan(ExecutionPlan plan) {
        schedule = new LayerSchedule(plan, model);
    }

    public LlamaModel model() {
        return model;
    }

    public int contextLength() {
        return cache.positions();
    }

    /** Sequences that can still start before one finishes. */
    public int freeSlots() {
        return cache.freeSlots();
    }

    /**
     * Prefills the prompt and samples the first token. The caller must {@link #release} the
     * sequence once it is done with it, finished or not.
     *
     * @throws IllegalArgumentException if the prompt leaves no room in the context
     * @throws IllegalStateException if every slot is taken
     */
    public Sequence start(GenerationRequest request) {
        int length = request.prompt().length;
        if (length >= cache.positions()) {
            throw new IllegalArgumentException("the prompt has " + length + " tokens but the"
                    + " context holds " + cache.positions()
                    + " positions, including at least one to generate");
        }
        Sequence sequence = new Sequence(request, cache.acquire(), schedule);
        bySlot[sequence.slot()] = sequence;
        try {
            // Self-speculation prefills through every kept layer: its first token is the full
            // model's, and the verifying layers need the prompt's keys and values too.
            float[] logits = model.prefill(cache, sequence.slot(), 0, request.prompt(),
                    schedule.kept);
            int vocab = model.config().vocabSize();
            int token = sequence.sampler().sample(logits, 0, vocab);
            sequence.accept(schedule.full(token), cache.positions());
            return sequence;
        } catch (RuntimeException e) {
            release(sequence);
            throw e;
        }
    }

    /**
     * Feeds each unfinished sequence its last token and samples the next one, in one pass per
     * plan. A self-speculative sequence may gain several tokens in one step.
     */
    public void step(List<Sequence> sequences) {
        // By plan value, so that sequences started under equal plans set apart still batch.
        Map<ExecutionPlan, List<Sequence>> byPlan = new LinkedHashMap<>();
        for (Sequence s : sequences) {
            if (!s.isFinished()) {
                byPlan.computeIfAbsent(s.plan(), p -> new ArrayList<>()).add(s);
            }
        }
        for (List<Sequence> running : byPlan.values()) {
            // In slot order, so that adjacent slots are read from the cache as one view.
            running.sort(Comparator.comparingInt(Sequence::slot));
            LayerSchedule plan = running.get(0).schedule();
            if (plan.isSpeculative()) {
                speculation.step(plan, running);
            } else {
                decode(plan, running);
            }
        }
    }

    private void decode(LayerSchedule plan, List<Sequence> running) {
        int n = running.size();
        int[] slots = new int[n];
        int[] positions = new int[n];
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            Sequence s = running.get(i);
            slots[i] = s.slot();
            positions[i] = s.position();
            tokens[i] = s.lastToken();
        }
        DecodedRows decoded = plan.decode(model, cache, slots, positions, tokens, false);
        int vocab = model.config().vocabSize();
        for (int i = 0; i < n; i++) {
            Sequence s = running.get(i);
            s.advance();
            int token = s.sampler().sample(decoded.logits, i * vocab, vocab);
            s.accept(decoded.report(i, token, plan), cache.positions());
        }
    }

    /** Stops a sequence before it finishes by itself; its slot is freed by {@link #release}. */
    public void cancel(Sequence sequence) {
        sequence.cancel();
    }

    /**
     * Frees the sequence's cache slot. The sequence in the highest slot moves into the freed
     * one, so the running batch always occupies adjacent slots and attention reads the cache as
     * a view; gathering scattered slots costs several times more per step.
     */
    public void release(Sequence sequence) {
        int slot = sequence.slot();
        if (slot < 0 || bySlot[slot] != sequence) {
            throw new IllegalArgumentException("the sequence is not running in this generator");
        }
        int last = bySlot.length - cache.freeSlots() - 1;
        if (last != slot) {
            cache.copySlot(last, slot);
            bySlot[last].moveTo(slot);
        }
        bySlot[slot] = bySlot[last];
        bySlot[last] = null;
        sequence.moveTo(-1);
        cache.release(last);
    }

    /** Generates one sequence to the end, handing each token to {@code onToken} as it comes. */
    public Sequence generate(GenerationRequest request, IntConsumer onToken) {
        Sequence sequence = start(request);
        try {
            int emitted = 0;
            while (true) {
                for (; emitted < sequence.generatedCount(); emitted++) {
                    onToken.accept(sequence.token(emitted));
                }
                if (sequence.isFinished()) {
                    return sequence;
                }
                step(List.of(sequence));
            }
        } finally {
            release(sequence);
        }
    }

    @Override
    public void close() {
        cache.close();
    }
}
