package io.exitstream.cli;

import io.exitstream.broker.EmbeddedKafka;
import io.exitstream.broker.TemporaryDirectory;
import io.exitstream.broker.TopicSetup;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.server.KafkaOptions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The whole stack in one process, for a laptop: an in-process Kafka broker with Exitstream's
 * topics, the server sending telemetry to it and applying the schedules published on it, and
 * the re-scheduler deriving those schedules from the telemetry (short windows, for a demo).
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Run the stack in one process: an in-process Kafka broker, the server"
                + " with telemetry and schedule updates, and the re-scheduler.")
final class UpCommand implements Callable<Integer> {

    /** Calibration sequences for the gate: at most this long, as reschedule's default. */
    private static final int SEQ_LEN = 256;

    @Spec
    private CommandSpec spec;

    @Mixin
    private ServingOptions serving;

    @Mixin
    private InfluenceSampleOption influenceSample;

    /** Decisions within seconds of traffic, for a demo; reschedule's flags otherwise. */
    @Mixin
    private RescheduleOptions reschedule = new RescheduleOptions(Duration.ofSeconds(10),
            Duration.ofSeconds(2), this::newStateDir);

    /** The re-scheduler's state when up made it (no --state-dir), deleted when up stops. */
    private TemporaryDirectory streamsState;

    @Option(names = "--kafka-port", defaultValue = "9092",
            description = "Port of the in-process Kafka broker on 127.0.0.1"
                    + " (default: ${DEFAULT-VALUE}).")
    private int kafkaPort;

    @Option(names = "--replicas", defaultValue = "1",
            description = "Server replicas, on free loopback ports behind the router on --port"
                    + " (default: ${DEFAULT-VALUE}: the server alone, no router).")
    private int replicas;

    @Override
    public Integer call() throws Exception {
        serving.requireCpuSupport();
        if (replicas < 1) {
            throw new ParameterException(spec.commandLine(), "--replicas must be at least 1,"
                    + " got " + replicas);
        }
        serving.replicas(replicas);
        if (kafkaPort < 0 || kafkaPort > 65535) {
            throw new ParameterException(spec.commandLine(), "--kafka-port must be in 0..65535,"
                    + " got " + kafkaPort);
        }
        try {
            reschedule.check();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        EmbeddedKafka kafka = EmbeddedKafka.start(kafkaPort, null);
        LiveRescheduler live = null;
        try {
            TopicSetup.create(kafka.bootstrapServers());
            String bootstrap = kafka.bootstrapServers();
            System.err.printf("up: Kafka on %s (topics created)%n", bootstrap);
            // One registry: the server's /metrics shows the re-scheduler's decisions too.
            PrometheusMeterRegistry metrics =
                    new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            live = startRescheduler(bootstrap, metrics);
            LiveRescheduler rescheduler = live;
            serving.serveUntilStopped("up", influenceSample.apply(KafkaOptions.of(bootstrap)),
                    metrics, () -> {
                        rescheduler.close();
                        deleteStreamsState();
                        kafka.close();
                    }, rescheduler::failure);
        } catch (Exception e) {
            if (live != null) {
                live.close();
            }
            deleteStreamsState();
            kafka.close();
            throw e;
        }
        return 0;
    }

    private LiveRescheduler startRescheduler(String bootstrap, PrometheusMeterRegistry metrics)
            throws Exception {
        LlamaWeights weights = serving.weights();
        LlamaModel model = serving.load(weights);
        // The exit heads the server's model runs confidence exits on, for the gate to certify.
        PlanOption.useHeadsBeside(model, serving.model());
        LiveRescheduler live = reschedule.start(serving.modelId(), weights,
                serving.tokenizer(weights), Math.min(SEQ_LEN, weights.config().contextLength()),
                model, bootstrap, new Properties(), metrics);
        System.err.printf("up: re-scheduler on %s, %d ms windows%n", live.modelId(),
                reschedule.window().toMillis());
        return live;
    }

    /** The broker starts empty, so the re-scheduler's state does too, and goes with it. */
    private Path newStateDir() {
        streamsState = TemporaryDirectory.create("exitstream-up-streams");
        return streamsState.path();
    }

    private void deleteStreamsState() {
        if (streamsState != null) {
            streamsState.close();
        }
    }
}
