package io.exitstream.engine.runtime;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.sampling.Sampler;
import io.exitstream.engine.sampling.TokenLogprobs;
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
 * <p>An {@link ExecutionPlan} (see {@link #setPlan}) says which layers run and how tokens leave
 * early: through the model's exit heads when confident enough (confidence exits, see below), or
 * drafted and verified (self-speculation). A sequence keeps the plan it started under:
 * layers a plan skips get no keys and values, so a sequence switching to a plan that runs them
 * would attend over missing entries. A new plan therefore applies to the sequences that start
 * after it; one step runs each plan's sequences as a batch of their own.
 *
 * <p>Confidence exits (CALM): after each exit layer of the plan, from its minimum exit layer
 * on, a row whose exit head's confidence reaches the layer's threshold leaves: its token is
 * chosen from the LM head applied at that layer (through the head's adapter), and the rest of
 * the batch goes on to the deeper layers without it. The whole step, exits included, is one
 * call into the model's program. A token that left at layer l still gets keys and values in
 * every deeper kept layer, computed from its layer-l hidden state (that layer's attention
 * norm, key and value projections and RoPE only), so later tokens that run those layers
 * attend to something consistent, as CALM propagates states. Self-speculation needs no such
 * thing: it verifies every drafted token with the deeper layers. A prompt's prefill, and so a
 * sequence's first token, runs every kept layer.
 *
 * <p>Owned by one thread, like the model it drives.
 */
public final class Generator implements AutoCloseable {

    private final LlamaModel model;
    private final KvCache cache;
    private final StepOutput output = new StepOutput();
    /** The sequence in each slot; slots in use are always 0..n-1 (see {@link #release}). */
    private final Sequence[] bySlot;
    private final SelfSpeculation speculation;
    private LayerSchedule schedule;
    /**
     * Schedules of plans sequences were started under by name ({@link #start(GenerationRequest,
     * ExecutionPlan)}), most recent last: a few, kept so that a plan's exit heads are put on
     * the device once.
     */
    private final Map<ExecutionPlan, LayerSchedule> named = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ExecutionPlan, LayerSchedule> eldest) {
            return size() > 8;
        }
    };
    /** The fraction of decode steps, and so of tokens, whose block influence is measured. */
    private double influenceFraction;
    /** Sampling credit carried between tokens: a token is sampled each time it reaches 1. */
    private double influenceCredit;

    /**
     * @param maxBatch sequences that can be in flight at once
     * @param contextLength positions per sequence, at most the model's
     */
    public Generator(LlamaModel model, int maxBatch, int contextLength) {
        this.model = model;
        this.cache = model.newCache(maxBatch, contextLength);
        this.bySlot = new Sequence[maxBatch];
        this.speculation = new SelfSpeculation(model, cache, output);
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
     * @throws IllegalArgumentException if the plan does not fit the model, or exits at a layer
     *     for which the model has no exit head (see {@link LlamaModel#useExitHeads})
     */
    public void setPlan(ExecutionPlan plan) {
        schedule = new LayerSchedule(plan, model);
    }

    /**
     * Measures the block influence of every layer that runs (ShortGPT's
     * {@code 1 - cosine(input, output)}) for {@code fraction} of the tokens decoded from now
     * on, reported in {@link TokenReport#blockInfluence()}. Whole decode steps are picked,
     * evenly (every {@code 1/fraction}-th step), not at random, so runs are reproducible: a
     * measured step costs the same whether one row or all of them are measured, so picking
     * tokens one by one would make nearly every step of a large batch a measured one. A step
     * that is not picked costs nothing extra; a picked one is still one call into the model.
     * Tokens from a prompt's prefill and from self-speculation are not measured.
     *
     * @param fraction in [0, 1]; 0 (the default) turns measuring off
     */
    public void setInfluenceSampling(double fraction) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("the influence sampling fraction must be in"
                    + " [0, 1], got " + fraction);
        }
        influenceFraction = fraction;
        influenceCredit = 0;
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
        return start(request, schedule);
    }

    /**
     * {@link #start(GenerationRequest)} under {@code plan} rather than the generator's plan: a
     * quality class's, say. Sequences of different plans still run in the same
     * {@link #step}, one pass per plan.
     *
     * @throws IllegalArgumentException also if the plan does not fit the model (see
     *     {@link #setPlan})
     */
    public Sequence start(GenerationRequest request, ExecutionPlan plan) {
        return start(request, scheduleOf(plan));
    }

    /**
     * Checks that the generator can run {@code plan} and prepares it, so that starting a
     * sequence under it later costs nothing more.
     *
     * @throws IllegalArgumentException if the plan does not fit the model
     */
    public void prepare(ExecutionPlan plan) {
        scheduleOf(plan);
    }

    private LayerSchedule scheduleOf(ExecutionPlan plan) {
        if (plan.equals(schedule.plan)) {
            return schedule;
        }
        LayerSchedule known = named.get(plan);
        if (known == null) {
            known = new LayerSchedule(plan, model);
            named.put(plan, known);
        }
        return known;
    }

    private Sequence start(GenerationRequest request, LayerSchedule under) {
        int length = request.prompt().length;
        if (length >= cache.positions()) {
            throw new IllegalArgumentException("the prompt has " + length + " tokens but the"
                    + " context holds " + cache.positions()
                    + " positions, including at least one to generate");
        }
        Sequence sequence = new Sequence(request, cache.acquire(), under);
        bySlot[sequence.slot()] = sequence;
        try {
            // Self-speculation prefills through every kept layer: its first token is the full
            // model's, and the verifying layers need the prompt's keys and values too.
            int vocab = model.config().vocabSize();
            Sampler sampler = sequence.sampler();
            float[] logits;
            int last = 0;
            if (request.sampling().promptLogprobs()) {
                logits = model.prefillAllRows(cache, sequence.slot(), 0, request.prompt(),
                        under.kept);
                last = (length - 1) * vocab;
                // Position i's logits predict prompt token i + 1; the first has no predictor.
                List<TokenLogprobs> prompt = new ArrayList<>(length);
                prompt.add(null);
                for (int i = 1; i < length; i++) {
                    prompt.add(sampler.logprobs(logits, (i - 1) * vocab, vocab,
                            request.prompt()[i]));
                }
                sequence.setPromptLogprobs(prompt);
            } else {
                logits = model.prefill(cache, sequence.slot(), 0, request.prompt(),
                        under.kept);
            }
            int token = sampler.sample(logits, last, vocab);
            sequence.accept(under.full(token), sampler.logprobs(logits, last, vocab, token),
                    cache.positions());
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
        influenceCredit += influenceFraction;
        boolean measured = influenceCredit >= 1;
        if (measured) {
            influenceCredit -= 1;
        }
        DecodedRows decoded = plan.decode(model, cache, slots, positions, tokens, measured,
                output);
        int vocab = model.config().vocabSize();
        for (int i = 0; i < n; i++) {
            Sequence s = running.get(i);
            s.advance();
            // The row's logits are those of the layer it left at: its log probabilities too.
            int token = s.sampler().sample(decoded.logits, decoded.offset(i), vocab);
            s.accept(decoded.report(i, token, plan, measured),
                    s.sampler().logprobs(decoded.logits, decoded.offset(i), vocab, token),
                    cache.positions());
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
