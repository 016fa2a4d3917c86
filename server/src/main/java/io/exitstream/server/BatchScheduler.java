package io.exitstream.server;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.runtime.FinishReason;
import io.exitstream.engine.runtime.Generator;
import io.exitstream.engine.runtime.GenerationRequest;
import io.exitstream.engine.runtime.Sequence;
import io.exitstream.engine.runtime.TokenReport;
import io.exitstream.engine.sampling.SamplingParams;
import io.exitstream.engine.sampling.TokenLogprobs;
import io.exitstream.engine.tokenizer.Tokenizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Continuous batching on one thread that owns the model: requests wait in a bounded queue; at
 * every step boundary waiting requests are admitted (prefilled) while slots are free, one
 * batched decode step runs, each new token goes to its request's listener, and finished or
 * cancelled sequences leave. The HTTP side only calls {@link #submit} and {@link #cancel}.
 *
 * <p>Plans change between steps ({@link #swapPlan}, from any thread): requests admitted after a
 * swap run under the new plan, running ones keep theirs (see {@link Generator#setPlan}).
 */
public final class BatchScheduler {

    /** A submitted request; {@link #cancel} it when its client goes away. */
    public static final class Ticket {
        private final String id;
        private final CompletionRequest request;
        private final CompletionListener listener;
        private final long arrival = System.nanoTime();
        private volatile boolean cancelled;

        private Ticket(String id, CompletionRequest request, CompletionListener listener) {
            this.id = id;
            this.request = request;
            this.listener = listener;
        }
    }

    /** A ticket whose sequence is in the running batch. */
    private static final class Active {
        final Ticket ticket;
        final Sequence sequence;
        final TextStream text;
        int emitted;
        long lastToken;

        Active(Ticket ticket, Sequence sequence, TextStream text) {
            this.ticket = ticket;
            this.sequence = sequence;
            this.text = text;
        }
    }

    /** A plan waiting for the next step boundary, and who to tell when it is in force. */
    private record PlanSwap(ExecutionPlan plan, CompletableFuture<Void> done) {
    }

    private static final long IDLE_WAIT_MS = 50;
    private static final System.Logger LOG = System.getLogger(BatchScheduler.class.getName());

    private final Supplier<Generator> generatorFactory;
    private final ExecutionPlan initialPlan;
    private final QualityPlans classes;
    private final Tokenizer tokenizer;
    private final ServerMetrics metrics;
    private final TokenTelemetry telemetry;
    private final long queueTimeoutNanos;
    private final LinkedBlockingQueue<Ticket> waiting;
    private final ConcurrentLinkedQueue<PlanSwap> planSwaps = new ConcurrentLinkedQueue<>();
    private final List<Active> running = new ArrayList<>();
    private final Thread thread;
    /** Confined to the scheduler thread, like the model it drives. */
    private Generator generator;
    private volatile boolean ready;
    private volatile boolean accepting = true;
    /** Why the model could not be loaded or warmed, or null. */
    private volatile String failure;
    private volatile long drainDeadline = Long.MAX_VALUE;
    /** The thread has ended: plan swaps are refused rather than left waiting. */
    private volatile boolean stopped;

    /**
     * @param generatorFactory loads the model; called on the scheduler's thread, which owns it
     * @param plan the plan requests run under until {@link #swapPlan} brings another
     * @param classes the plans of requests that choose a quality class; swaps leave them be
     * @param telemetry receives every generated token, on this scheduler's thread
     * @param maxQueue requests that may wait for a slot; more are refused with 429
     * @param queueTimeout how long a request may wait for a slot before a 503
     */
    public BatchScheduler(Supplier<Generator> generatorFactory, ExecutionPlan plan,
            QualityPlans classes, Tokenizer tokenizer, ServerMetrics metrics,
            TokenTelemetry telemetry, int maxQueue,
            Duration queueTimeout) {
        this.generatorFactory = generatorFactory;
        this.tokenizer = tokenizer;
        this.metrics = metrics;
        this.telemetry = telemetry;
        this.queueTimeoutNanos = queueTimeout.toNanos();
        this.waiting = new LinkedBlockingQueue<>(maxQueue);
        this.initialPlan = plan;
        this.classes = classes;
        this.thread = new Thread(this::run, "exitstream-scheduler");
    }

    /** Starts the thread: it loads and warms the model, then serves. */
    public void start() {
        thread.start();
    }

    /** Whether the model is loaded and warmed up, and the scheduler is not shutting down. */
    public boolean isReady() {
        return ready && accepting;
    }

    /** Whether {@link #shutdown} has begun: new requests are refused. */
    public boolean isShuttingDown() {
        return !accepting && failure == null;
    }

    /**
     * Makes {@code plan} the plan of requests admitted from the next step boundary on; running
     * requests finish under theirs. Safe from any thread.
     *
     * @return completes once the plan is in force; fails with {@link IllegalArgumentException}
     *     if the engine cannot run it (the previous plan stays), or with
     *     {@link IllegalStateException} if the scheduler stopped first
     */
    public CompletableFuture<Void> swapPlan(ExecutionPlan plan) {
        PlanSwap swap = new PlanSwap(plan, new CompletableFuture<>());
        planSwaps.add(swap);
        if (stopped) {
            failPlanSwaps(); // the thread will not take it
        }
        return swap.done();
    }

    /** Why the model could not be loaded, if it could not: the server will never be ready. */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Queues a request.
     *
     * @throws ApiError 429 when the queue is full, 503 when shutting down
     */
    public Ticket submit(String id, CompletionRequest request, CompletionListener listener) {
        if (!accepting) {
            throw unavailable(failure != null ? failure
                    : "The server is shutting down; retry on another replica");
        }
        Ticket ticket = new Ticket(id, request, listener);
        if (!waiting.offer(ticket)) {
            throw new ApiError(429, "rate_limit_error", "Too many requests are waiting ("
                    + waiting.size() + "); retry shortly", null, "queue_full");
        }
        return ticket;
    }

    /** Stops a request at the next step boundary; its listener hears nothing more. */
    public void cancel(Ticket ticket) {
        ticket.cancelled = true;
    }

    /**
     * Stops accepting, lets running requests finish until {@code grace} has passed, cancels what
     * is left, and waits for the thread to release the model.
     */
    public void shutdown(Duration grace) throws InterruptedException {
        accepting = false;
        drainDeadline = System.nanoTime() + grace.toNanos();
        thread.join(grace.toMillis() + 10_000);
    }

    private void run() {
        try (Generator owned = generatorFactory.get()) {
            generator = owned;
            // A plan the engine cannot run fails the start like a model it cannot load.
            owned.setPlan(initialPlan);
            classes.all().values().forEach(owned::prepare);
            metrics.planVersion(initialPlan.version());
            warmUp();
            ready = true;
            while (accepting || !running.isEmpty()) {
                applyPlanSwaps();
                admit();
                if (running.isEmpty()) {
                    idle();
                } else if (System.nanoTime() > drainDeadline) {
                    List.copyOf(running).forEach(this::abandon);
                } else {
                    stepOrFail();
                }
            }
            admit(); // refuses whatever arrived while draining
            owned.model().close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (ready) {
                throw e;
            }
            refuseAll("The model could not be loaded (" + e.getMessage()
                    + "); this server cannot answer requests");
        } finally {
            stopped = true;
            failPlanSwaps();
        }
    }

    private void failPlanSwaps() {
        for (PlanSwap swap; (swap = planSwaps.poll()) != null; ) {
            swap.done().completeExceptionally(
                    new IllegalStateException("the scheduler has stopped"));
        }
    }

    /** Puts the plans swapped in since the last step in force, in the order they came. */
    private void applyPlanSwaps() {
        for (PlanSwap swap; (swap = planSwaps.poll()) != null; ) {
            try {
                generator.setPlan(swap.plan());
                metrics.planVersion(swap.plan().version());
                swap.done().complete(null);
            } catch (IllegalArgumentException e) {
                LOG.log(System.Logger.Level.WARNING, "plan " + swap.plan().version()
                        + " refused: " + e.getMessage());
                swap.done().completeExceptionally(e);
            }
        }
    }

    /** Loading or warming up failed: say so once, and refuse every request from now on. */
    private void refuseAll(String reason) {
        failure = reason;
        accepting = false;
        System.err.println("exitstream-scheduler: " + reason);
        for (Ticket ticket; (ticket = waiting.poll()) != null; ) {
            ticket.listener.onError(unavailable(reason));
        }
    }

    /** Two tokens through the whole model, so that the first request does not pay for JIT. */
    private void warmUp() {
        int[] prompt = {tokenizer.bosId()};
        generator.generate(new GenerationRequest(prompt, SamplingParams.greedy(), 2, new int[0]),
                token -> { });
    }

    /** Nothing runs: waits briefly for a request rather than spinning. */
    private void idle() throws InterruptedException {
        Ticket next = waiting.poll(IDLE_WAIT_MS, TimeUnit.MILLISECONDS);
        if (next != null) {
            admitOne(next);
            updateOccupancy();
        }
    }

    /** Admits waiting requests while slots are free; refuses those that waited too long. */
    private void admit() {
        long now = System.nanoTime();
        for (Iterator<Ticket> it = waiting.iterator(); it.hasNext(); ) {
            Ticket ticket = it.next();
            if (ticket.cancelled || !accepting || now - ticket.arrival > queueTimeoutNanos) {
                it.remove();
                if (!ticket.cancelled) {
                    ticket.listener.onError(unavailable(accepting
                            ? "The request waited too long for a free slot; retry later"
                            : "The server is shutting down; retry on another replica"));
                }
            }
        }
        while (generator.freeSlots() > 0 && !waiting.isEmpty()) {
            admitOne(waiting.poll());
        }
        updateOccupancy();
    }

    /** Prefills one request, which also yields its first token. */
    private void admitOne(Ticket ticket) {
        if (ticket.cancelled) {
            return;
        }
        metrics.queueWait(Duration.ofNanos(System.nanoTime() - ticket.arrival));
        CompletionRequest request = ticket.request;
        int[] prompt = request.generation().prompt();
        Sequence sequence;
        long start = System.nanoTime();
        try {
            // A class's plan, fixed: swaps change only the server's plan.
            sequence = request.quality() == null ? generator.start(request.generation())
                    : generator.start(request.generation(),
                            classes.plan(request.quality()).orElseThrow());
        } catch (IllegalArgumentException e) {
            ticket.listener.onError(ApiError.invalid(e.getMessage(), "prompt"));
            return;
        }
        if (!sequence.promptLogprobs().isEmpty()) {
            ticket.listener.onPromptLogprobs(sequence.promptLogprobs());
        }
        Active active = new Active(ticket, sequence,
                new TextStream(tokenizer, prompt[prompt.length - 1], request.stops()));
        running.add(active);
        metrics.prompt(prompt.length);
        publish(active, System.nanoTime() - start, 1);
    }

    /** A failing step fails the requests in it, not the scheduler: later ones are served. */
    private void stepOrFail() {
        try {
            step();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "decode step failed", e);
            for (Active active : List.copyOf(running)) {
                if (!active.ticket.cancelled) {
                    active.ticket.listener.onError(new ApiError(500, "server_error",
                            "The engine failed: " + e.getMessage(), null, "engine_error"));
                    active.ticket.cancelled = true;
                }
                finish(active);
            }
        }
    }

    /** One batched decode step, then tokens out and finished sequences released. */
    private void step() {
        int batch = running.size();
        metrics.step(batch);
        long start = System.nanoTime();
        generator.step(running.stream().map(active -> active.sequence).toList());
        long stepNanos = System.nanoTime() - start;
        for (Active active : List.copyOf(running)) {
            publish(active, stepNanos, batch);
        }
        updateOccupancy();
    }

    /**
     * Hands the sequence's new tokens to its listener and to telemetry; releases the sequence
     * if it is done. {@code stepNanos} and {@code batch} describe the step that made them.
     */
    private void publish(Active active, long stepNanos, int batch) {
        Sequence sequence = active.sequence;
        while (active.emitted < sequence.generatedCount() && !active.text.stopped()) {
            TokenLogprobs logprobs = sequence.logprobs(active.emitted);
            TokenReport report = sequence.report(active.emitted++);
            String text = active.text.accept(report.token());
            long now = System.nanoTime();
            metrics.token(active.ticket.request.quality(), report.exitLayer(),
                    report.layersExecuted(), report.drafted(), report.accepted());
            long interToken = 0;
            if (active.emitted == 1) {
                metrics.firstToken(Duration.ofNanos(now - active.ticket.arrival));
            } else {
                interToken = now - active.lastToken;
                metrics.interToken(Duration.ofNanos(interToken));
            }
            active.lastToken = now;
            telemetry.record(new TokenSample(active.ticket.id, active.emitted - 1, report,
                    stepNanos, interToken, batch, System.currentTimeMillis(),
                    active.ticket.request.quality()));
            if (!active.ticket.cancelled) {
                active.ticket.listener.onToken(text, report, logprobs);
            }
        }
        if (sequence.isFinished() || active.text.stopped() || active.ticket.cancelled) {
            finish(active);
        }
    }

    /**
     * The shutdown deadline passed. A stream already has its tokens: it ends as usual, with
     * finish reason {@code abort}. A JSON reply has nothing yet: a 503 the client can retry.
     */
    private void abandon(Active active) {
        if (active.ticket.request.stream()) {
            finish(active, true);
            return;
        }
        if (!active.ticket.cancelled) {
            active.ticket.listener.onError(unavailable("The server shut down before the request"
                    + " finished; retry on another replica"));
            active.ticket.cancelled = true;
        }
        finish(active);
    }

    private void finish(Active active) {
        finish(active, false);
    }

    private void finish(Active active, boolean aborted) {
        running.remove(active);
        generator.cancel(active.sequence);
        generator.release(active.sequence);
        Ticket ticket = active.ticket;
        Duration elapsed = Duration.ofNanos(System.nanoTime() - ticket.arrival);
        if (ticket.cancelled) {
            metrics.requestDone(elapsed, "cancelled");
            return;
        }
        String tail = active.text.finish();
        String reason = aborted ? "abort" : active.text.stopped()
                || active.sequence.finishReason() == FinishReason.STOP ? "stop" : "length";
        metrics.requestDone(elapsed, reason);
        ticket.listener.onFinish(tail, reason, ticket.request.promptTokens(), active.emitted);
    }

    private void updateOccupancy() {
        metrics.occupancy(running.size(), waiting.size());
    }

    private static ApiError unavailable(String message) {
        return new ApiError(503, "server_error", message, null, "unavailable");
    }
}
