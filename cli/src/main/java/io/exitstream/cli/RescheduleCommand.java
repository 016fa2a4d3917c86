package io.exitstream.cli;

import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.exitstream.server.ExitstreamServer;
import io.exitstream.server.JvmMetrics;
import io.exitstream.server.KafkaOptions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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

    @Mixin
    private RescheduleOptions reschedule;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics at http://HOST:PORT/metrics, HOST from"
                    + " --metrics-host (default: none).")
    private Integer metricsPort;

    @Option(names = "--metrics-host", defaultValue = "127.0.0.1", paramLabel = "HOST",
            description = "Address the metrics endpoint listens on; 0.0.0.0 where Prometheus"
                    + " scrapes from elsewhere, as in a Kubernetes pod (default:"
                    + " ${DEFAULT-VALUE}).")
    private String metricsHost;

    @Mixin
    private RuntimeOptions runtime;

    @Override
    public Integer call() throws InterruptedException {
        usage(() -> {
            reschedule.check();
            return null;
        });
        Properties kafka = BrokerCheck.clientProperties(bootstrap, kafkaConfig);
        BrokerCheck.require(bootstrap, kafka);

        LlamaWeights weights = input.weights();
        Tokenizer tokenizer = input.tokenizer(weights);
        String id = modelId != null ? modelId : ExitstreamServer.modelName(input.model);
        int seqLen = input.seqLen(weights);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // The JVM dashboard shows the re-scheduler's JVM beside the servers'.
        try (JvmMetrics jvm = JvmMetrics.bindTo(registry)) {
            // --max-skip is checked against the model's layers once it is loaded.
            LiveRescheduler live = usage(() -> reschedule.start(id, weights, tokenizer, seqLen,
                    withHeads(runtime.load(weights)), bootstrap, kafka, registry));
            return run(live, registry);
        }
    }

    /** The model with the exit heads beside it, if any: the servers' confidence exits. */
    private LlamaModel withHeads(LlamaModel model) {
        PlanOption.useHeadsBeside(model, input.model);
        return model;
    }

    /** Runs until the process is stopped or the application fails. */
    private int run(LiveRescheduler live, PrometheusMeterRegistry registry)
            throws InterruptedException {
        MetricsEndpoint metrics = null;
        CountDownLatch stopped = new CountDownLatch(1);
        Thread stop = new Thread(() -> {
            live.close();
            stopped.countDown();
        }, "exitstream-reschedule-stop");
        try {
            metrics = metricsPort == null ? null
                    : MetricsEndpoint.start(metricsHost, metricsPort, registry);
            Runtime.getRuntime().addShutdownHook(stop);
            System.err.printf("reschedule: model %s, %d ms windows, application %s on %s%s%n",
                    live.modelId(), reschedule.window().toMillis(), live.applicationId(),
                    bootstrap, metrics == null ? "" : ", metrics on :" + metrics.port()
                            + "/metrics");
            // Runs until stopped (Ctrl-C, SIGTERM); a failed application ends the command.
            while (!stopped.await(200, TimeUnit.MILLISECONDS)) {
                if (live.failure() != null) {
                    throw new IllegalStateException(live.failure());
                }
            }
            return 0;
        } finally {
            live.close();
            if (metrics != null) {
                metrics.close();
            }
            removeHook(stop);
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
