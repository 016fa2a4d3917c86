package io.exitstream.cli;

import io.exitstream.compression.Corpus;
import io.exitstream.compression.PlanEvaluator;
import io.exitstream.compression.reschedule.CandidatePlanner;
import io.exitstream.compression.reschedule.DraftProbe;
import io.exitstream.compression.reschedule.GateBudget;
import io.exitstream.compression.reschedule.PlannerLimits;
import io.exitstream.compression.reschedule.QualityGate;
import io.exitstream.compression.reschedule.RescheduleApp;
import io.exitstream.compression.reschedule.RescheduleTopology;
import io.exitstream.compression.reschedule.Rescheduler;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.exitstream.server.ExitstreamServer;
import io.exitstream.server.KafkaOptions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Runs the re-scheduler for one model until stopped: token telemetry in, gated skip schedules
 * out (see {@code docs/rescheduler.md}).
 */
@Command(name = "reschedule", mixinStandardHelpOptions = true,
        description = "Derive skip schedules from live token telemetry (Kafka Streams),"
                + " gate them against the full model, publish the accepted ones.")
final class RescheduleCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers.")
    private String bootstrap;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties (security.protocol, sasl.*, ssl.*), passed"
                    + " through unchanged.")
    private Path kafkaConfig;

    @Mixin
    private TextModelOptions input;

    @Option(names = "--model-id", paramLabel = "NAME",
            description = "The model's id in telemetry (default: the checkpoint's name, as"
                    + " exitstream serve names it).")
    private String modelId;

    @Option(names = "--window", defaultValue = "60s", converter = DurationConverter.class,
            description = "Tumbling window of telemetry per decision (default:"
                    + " ${DEFAULT-VALUE}).")
    private Duration window;

    @Option(names = "--grace", defaultValue = "10s", converter = DurationConverter.class,
            description = "How long a window waits for late tokens (default: ${DEFAULT-VALUE}).")
    private Duration grace;

    @Option(names = "--min-agreement", defaultValue = "0.95",
            description = "Least greedy agreement with the full model (default:"
                    + " ${DEFAULT-VALUE}).")
    private double minAgreement;

    @Option(names = "--max-perplexity-increase", defaultValue = "0.05",
            description = "Most relative perplexity increase, 0.05 = 5% (default:"
                    + " ${DEFAULT-VALUE}).")
    private double maxPerplexityIncrease;

    @Option(names = "--min-gain", defaultValue = "0.05",
            description = "Least expected speed-up over the plan in force, 0.05 = 5%; below"
                    + " it nothing changes (default: ${DEFAULT-VALUE}).")
    private double minGain;

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
                    + " directory).")
    private Path stateDir;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics at http://127.0.0.1:PORT/metrics (default:"
                    + " none).")
    private Integer metricsPort;

    @Mixin
    private RuntimeOptions runtime;

    @Override
    public Integer call() throws InterruptedException {
        GateBudget budget = usage(() -> new GateBudget(minAgreement, maxPerplexityIncrease,
                minGain));
        // Flags are checked before the model loads; --max-skip's default needs the model.
        usage(() -> new PlannerLimits(0, maxInfluence, 1, maxDraft));
        if (window.isZero()) {
            throw new ParameterException(spec.commandLine(), "--window must be positive");
        }
        Properties kafka = clientProperties();
        checkBroker(kafka);

        LlamaWeights weights = input.weights();
        int layers = weights.config().layers();
        PlannerLimits limits = usage(() -> new PlannerLimits(
                maxSkip == null ? PlannerLimits.defaults(layers).maxSkippedLayers() : maxSkip,
                maxInfluence, PlannerLimits.defaults(layers).minInfluenceSamples(), maxDraft));
        Tokenizer tokenizer = input.tokenizer(weights);
        String id = modelId != null ? modelId : ExitstreamServer.modelName(input.model);
        try (LlamaModel model = runtime.load(weights)) {
            Corpus corpus = calibration != null ? input.read(calibration, weights)
                    : Corpus.generate(model, tokenizer, calibrationSequences,
                            input.seqLen(weights), 0);
            System.err.printf("reschedule: calibrating on %d sequences (%d tokens)%n",
                    corpus.sequences().size(), corpus.predictions());
            try (PlanEvaluator evaluator = new PlanEvaluator(model, corpus);
                    DraftProbe drafts = new DraftProbe(model, corpus)) {
                Rescheduler rescheduler = new Rescheduler(id,
                        new CandidatePlanner(layers, limits, drafts),
                        new QualityGate(budget, evaluator::quality), Clock.systemUTC());
                return run(rescheduler, kafka);
            }
        }
    }

    /** Runs the streams application until the process is stopped or the application fails. */
    private int run(Rescheduler rescheduler, Properties kafka) throws InterruptedException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        String application = applicationId != null ? applicationId
                : "exitstream-reschedule-" + rescheduler.modelId();
        Path state = stateDir != null ? stateDir
                : Path.of(System.getProperty("java.io.tmpdir"), "exitstream-streams");
        MetricsEndpoint metrics = metricsPort == null ? null
                : MetricsEndpoint.start("127.0.0.1", metricsPort, registry);
        RescheduleApp app = RescheduleApp.start(
                RescheduleTopology.build(rescheduler, window, grace, registry),
                RescheduleApp.config(bootstrap, application, state, kafka));
        CountDownLatch stopped = new CountDownLatch(1);
        Thread stop = new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "exitstream-reschedule-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        System.err.printf("reschedule: model %s, %d ms windows, application %s on %s%s%n",
                rescheduler.modelId(), window.toMillis(), application, bootstrap,
                metrics == null ? "" : ", metrics on :" + metrics.port() + "/metrics");
        try {
            // Runs until stopped (Ctrl-C, SIGTERM); a failed application ends the command.
            while (!stopped.await(200, TimeUnit.MILLISECONDS)) {
                KafkaStreams.State s = app.streams().state();
                if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING) {
                    throw new IllegalStateException("the streams application stopped (" + s
                            + "); see the log above");
                }
            }
            return 0;
        } finally {
            app.close();
            if (metrics != null) {
                metrics.close();
            }
            removeHook(stop);
        }
    }

    private Properties clientProperties() {
        Properties properties = new Properties();
        if (kafkaConfig != null) {
            properties.putAll(KafkaOptions.of(bootstrap).withConfigFile(kafkaConfig)
                    .clientProperties());
        }
        return properties;
    }

    /** Fails in seconds, with one line, when no broker answers (Streams would keep retrying). */
    private void checkBroker(Properties kafka) {
        Properties config = new Properties();
        config.putAll(kafka);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        Admin admin;
        try {
            admin = Admin.create(config);
        } catch (KafkaException e) {
            throw new IllegalStateException("cannot reach Kafka at " + bootstrap + ": "
                    + e.getMessage());
        }
        try {
            admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("no Kafka broker answers at " + bootstrap);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while looking for Kafka at "
                    + bootstrap);
        } finally {
            // Without a broker, a plain close would wait out the pending request.
            admin.close(Duration.ofSeconds(1));
        }
    }

    private <T> T usage(Supplier<T> make) {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook is running.
        }
    }
}
