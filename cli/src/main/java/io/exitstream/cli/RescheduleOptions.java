package io.exitstream.cli;

import io.exitstream.compression.Corpus;
import io.exitstream.compression.PlanEvaluator;
import io.exitstream.compression.reschedule.CandidatePlanner;
import io.exitstream.compression.reschedule.CertifiedExits;
import io.exitstream.compression.reschedule.DraftProbe;
import io.exitstream.compression.reschedule.GateBudget;
import io.exitstream.compression.reschedule.LoopRules;
import io.exitstream.compression.reschedule.PlannerLimits;
import io.exitstream.compression.reschedule.QualityGate;
import io.exitstream.compression.reschedule.RescheduleApp;
import io.exitstream.compression.reschedule.RescheduleTopology;
import io.exitstream.compression.reschedule.Rescheduler;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.exitstream.protos.SchedulePlans;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/**
 * The re-scheduler's flags, which {@code reschedule} and {@code up} share: the window, the
 * quality budgets, the planner's limits, the calibration set and where the Streams application
 * keeps its state; and starting the re-scheduler from them.
 */
final class RescheduleOptions {

    @Option(names = "--window", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Tumbling window of telemetry per decision (default: 60s; up: 10s).")
    private Duration window;

    @Option(names = "--grace", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long a window waits for late tokens (default: 10s; up: 2s).")
    private Duration grace;

    @Option(names = "--min-agreement", defaultValue = "0.95",
            description = "Least greedy agreement with the full model (default:"
                    + " ${DEFAULT-VALUE}).")
    private double minAgreement;

    @Option(names = "--max-perplexity-increase", defaultValue = "0.05",
            description = "Most relative perplexity increase, 0.05 = 5%% (default:"
                    + " ${DEFAULT-VALUE}).")
    private double maxPerplexityIncrease;

    @Option(names = "--min-gain", defaultValue = "0.05",
            description = "Least expected speed-up over the plan in force, 0.05 = 5%%; below"
                    + " it nothing changes (default: ${DEFAULT-VALUE}).")
    private double minGain;

    @Option(names = "--gain-confidence", defaultValue = "0.95", paramLabel = "P",
            description = "How sure the window must make the gain: the one-sided lower"
                    + " confidence bound at this level must reach --min-gain; 0.5 takes the"
                    + " expected gain as it is (default: ${DEFAULT-VALUE}).")
    private double gainConfidence;

    @Option(names = "--min-window-tokens", defaultValue = "200", paramLabel = "N",
            description = "Tokens a window needs before it may change the plan, and a trial"
                    + " window under a new plan before it counts (default: ${DEFAULT-VALUE}).")
    private long minWindowTokens;

    @Option(names = "--dwell", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "After a change, the least time before the next (default: three"
                    + " windows).")
    private Duration dwell;

    @Option(names = "--trial-windows", defaultValue = "3", paramLabel = "N",
            description = "Windows over which a new plan's observed speed is compared with the"
                    + " plan it replaced; slower, it is rolled back; 0 checks nothing (default:"
                    + " ${DEFAULT-VALUE}).")
    private int trialWindows;

    @Option(names = "--max-skip", paramLabel = "N",
            description = "Most layers a plan may skip (default: a quarter of the layers).")
    private Integer maxSkip;

    @Option(names = "--max-influence", defaultValue = "0.2",
            description = "Skip only layers whose live block influence is at most this"
                    + " (default: ${DEFAULT-VALUE}).")
    private double maxInfluence;

    @Option(names = "--max-draft", defaultValue = "4",
            description = "Deepest self-speculative draft considered, 0 for none (default:"
                    + " ${DEFAULT-VALUE}).")
    private int maxDraft;

    @Option(names = "--calibration", paramLabel = "FILE",
            description = "Held calibration text (documents separated by blank lines, else one"
                    + " per line; default: sequences the model samples itself).")
    private Path calibration;

    @Option(names = "--calibration-sequences", defaultValue = "8", paramLabel = "N",
            description = "Sequences the model samples when there is no --calibration file"
                    + " (default: ${DEFAULT-VALUE}).")
    private int calibrationSequences;

    @Option(names = "--application-id", paramLabel = "ID",
            description = "Kafka Streams application id; instances with the same id share the"
                    + " work (default: exitstream-reschedule-MODEL_ID).")
    private String applicationId;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Local state stores (default: exitstream-streams in the temporary"
                    + " directory; up: a new temporary directory, deleted when up stops).")
    private Path stateDir;

    private final Duration defaultWindow;
    private final Duration defaultGrace;
    private final Supplier<Path> defaultStateDir;

    /** The standalone re-scheduler's defaults: minute windows, state that outlives a restart. */
    RescheduleOptions() {
        this(Duration.ofSeconds(60), Duration.ofSeconds(10),
                () -> Path.of(System.getProperty("java.io.tmpdir"), "exitstream-streams"));
    }

    /**
     * Other defaults: a demo wants decisions within seconds, and a broker that starts empty
     * wants state that does too.
     */
    RescheduleOptions(Duration defaultWindow, Duration defaultGrace,
            Supplier<Path> defaultStateDir) {
        this.defaultWindow = defaultWindow;
        this.defaultGrace = defaultGrace;
        this.defaultStateDir = defaultStateDir;
    }

    /**
     * Checks the flags that need no model, before anything loads.
     *
     * @throws IllegalArgumentException with a one-line reason (a usage error)
     */
    void check() {
        budget();
        new PlannerLimits(0, maxInfluence, 1, maxDraft);
        if (window().isZero() || window().isNegative()) {
            throw new IllegalArgumentException("--window must be positive");
        }
        rules();
    }

    Duration window() {
        return window != null ? window : defaultWindow;
    }

    /**
     * Builds the gate on {@code model} (owned from now on: closed with the result) and starts
     * the Streams application for {@code modelId} on {@code bootstrap}.
     *
     * @param kafka further client settings (SASL, TLS)
     * @param registry where decisions are counted
     * @throws IllegalArgumentException for a flag that does not fit the model
     */
    LiveRescheduler start(String modelId, LlamaWeights weights, Tokenizer tokenizer, int seqLen,
            LlamaModel model, String bootstrap, Properties kafka, MeterRegistry registry) {
        int layers = weights.config().layers();
        PlannerLimits defaults = PlannerLimits.defaults(layers);
        // Closed in reverse on failure, or by the result: the app first, the model last.
        Deque<AutoCloseable> owned = new ArrayDeque<>();
        owned.push(model);
        try {
            PlannerLimits limits = new PlannerLimits(
                    maxSkip == null ? defaults.maxSkippedLayers() : maxSkip, maxInfluence,
                    defaults.minInfluenceSamples(), maxDraft);
            Corpus corpus = calibration != null ? Corpus.read(calibration, tokenizer, seqLen)
                    : Corpus.generate(model, tokenizer, calibrationSequences, seqLen, 0);
            System.err.printf("reschedule: calibrating on %d sequences (%d tokens)%n",
                    corpus.sequences().size(), corpus.predictions());
            PlanEvaluator evaluator = new PlanEvaluator(model, corpus);
            owned.push(evaluator);
            DraftProbe drafts = new DraftProbe(model, corpus);
            owned.push(drafts);
            Optional<CertifiedExits> exits = certify(evaluator, weights);
            Rescheduler rescheduler = new Rescheduler(modelId,
                    new CandidatePlanner(layers, limits, drafts, exits),
                    new QualityGate(budget(), evaluator::quality), Clock.systemUTC());
            String application = applicationId != null ? applicationId
                    : "exitstream-reschedule-" + modelId;
            Path state = stateDir != null ? stateDir : defaultStateDir.get();
            RescheduleApp app = RescheduleApp.start(RescheduleTopology.build(rescheduler,
                    rules(), window(), grace != null ? grace : defaultGrace, registry),
                    RescheduleApp.config(bootstrap, application, state, kafka));
            owned.push(app);
            return new LiveRescheduler(modelId, application, app, owned);
        } catch (RuntimeException e) {
            LiveRescheduler.closeAll(owned);
            throw e;
        }
    }

    /**
     * Confidence exits for the planner, when the model has exit heads: the threshold
     * Learn-then-Test certifies at --min-agreement on the calibration text.
     */
    private Optional<CertifiedExits> certify(PlanEvaluator evaluator, LlamaWeights weights) {
        if (evaluator.model().exitHeads().isEmpty()) {
            System.err.println("reschedule: the model has no exit heads; confidence exits are"
                    + " not proposed");
            return Optional.empty();
        }
        Optional<CertifiedExits> exits = CertifiedExits.certify(evaluator, weights.finalNorm(),
                minAgreement);
        System.err.println(exits.map(e -> String.format(Locale.ROOT, "reschedule: confidence"
                + " exits certified at agreement %.3f (delta %.2f): %s, %.2f layers a token,"
                + " measured agreement %.3f", minAgreement, CertifiedExits.DELTA,
                SchedulePlans.describe(new ExecutionPlan(0, List.of(), e.policy())),
                e.meanLayers(), e.quality().agreement()))
                .orElse("reschedule: no confidence threshold certifies agreement "
                        + minAgreement + " on the calibration text; confidence exits are not"
                        + " proposed"));
        return exits;
    }

    private GateBudget budget() {
        return new GateBudget(minAgreement, maxPerplexityIncrease, minGain, gainConfidence);
    }

    private LoopRules rules() {
        return new LoopRules(minWindowTokens, dwell != null ? dwell : window().multipliedBy(3),
                trialWindows);
    }
}
