package io.exitstream.server;

import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.exits.ExitHeads;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.runtime.Generator;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.KafkaException;

/**
 * A running server: the model's scheduler thread and the HTTP endpoint in front of it. The
 * port opens at once; {@code /health/ready} turns 200 when the model is loaded and warm.
 */
public final class ExitstreamServer implements AutoCloseable {

    /** How long the last replies may take to be written once the scheduler has stopped. */
    private static final Duration REPLY_FLUSH = Duration.ofSeconds(5);

    private final Vertx vertx;
    private final HttpServer http;
    private final BatchScheduler scheduler;
    private final Duration shutdownGrace;
    /** The metrics' JVM listeners, the Kafka producer and consumer (those that run). */
    private final List<AutoCloseable> kafka;

    private ExitstreamServer(Vertx vertx, HttpServer http, BatchScheduler scheduler,
            Duration shutdownGrace, List<AutoCloseable> kafka) {
        this.vertx = vertx;
        this.http = http;
        this.scheduler = scheduler;
        this.shutdownGrace = shutdownGrace;
        this.kafka = kafka;
    }

    /** Reads the model and tokenizer, starts the scheduler and listens; throws on bad input. */
    public static ExitstreamServer start(ServerOptions options) {
        return start(options, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /**
     * As {@link #start(ServerOptions)}, with {@code /metrics} serving {@code registry}, which
     * may hold other components' metrics too.
     */
    public static ExitstreamServer start(ServerOptions options,
            PrometheusMeterRegistry registry) {
        LlamaWeights weights = ModelFormat.load(options.model());
        int context = weights.config().contextLength();
        Tokenizer tokenizer = TokenizerFiles.load(options.model(), options.tokenizer(),
                weights.config().vocabSize());
        ExecutionPlan plan = options.plan().apply(weights.config());
        plan.validate(weights.config());
        QualityPlans classes = Files.isDirectory(options.model())
                ? QualityPlans.beside(options.model(), weights.config())
                : QualityPlans.exactOnly();
        String name = modelName(options.model());
        ServerMetrics metrics = new ServerMetrics(name, weights.config().layers(),
                options.maxBatch(), registry);
        KafkaOptions kafkaOptions = options.kafka();
        List<AutoCloseable> kafka = new ArrayList<>(List.of(metrics));
        BatchScheduler scheduler;
        try {
            TokenTelemetry telemetry = TokenTelemetry.OFF;
            if (kafkaOptions != null && kafkaOptions.telemetry()) {
                KafkaTelemetry producer = new KafkaTelemetry(name, kafkaOptions);
                metrics.telemetry(producer::delivered, producer::dropped);
                kafka.add(producer);
                telemetry = producer;
            }
            // Influence is measured only for telemetry, which is what it is for.
            double influenceSample = telemetry == TokenTelemetry.OFF ? 0
                    : kafkaOptions.influenceSample();
            scheduler = new BatchScheduler(() -> {
                LlamaModel model = options.loader().apply(weights);
                useExitHeadsBeside(options.model(), model, classes);
                Generator generator = new Generator(model, options.maxBatch(), context);
                generator.setInfluenceSampling(influenceSample);
                return generator;
            }, plan, classes, tokenizer, metrics, telemetry, options.maxQueue(),
                    options.queueTimeout());
            if (kafkaOptions != null && kafkaOptions.schedules()) {
                kafka.add(new ScheduleConsumer(name, weights.config(), plan.version(),
                        kafkaOptions, scheduler, metrics));
            }
        } catch (KafkaException e) {
            // A client setting Kafka refuses (a bad value in --kafka-config, say): user input.
            closeAll(kafka);
            throw new IllegalArgumentException("Kafka client settings: " + e.getMessage(), e);
        }
        Vertx vertx = Vertx.vertx();
        HttpApi api = new HttpApi(vertx, name, tokenizer, context, classes, scheduler, metrics);
        try {
            HttpServer http = vertx.createHttpServer()
                    .requestHandler(api.router(options.bodyLimit(), options.apiKey()))
                    .listen(options.port(), options.host())
                    .await();
            scheduler.start();
            return new ExitstreamServer(vertx, http, scheduler, options.shutdownGrace(), kafka);
        } catch (RuntimeException e) {
            vertx.close();
            closeAll(kafka);
            throw e;
        }
    }

    /**
     * Gives the model the exit heads beside it when a quality class's plan exits through
     * them and the loader gave it none (the server's own plan brings its heads itself).
     */
    private static void useExitHeadsBeside(Path path, LlamaModel model, QualityPlans classes) {
        Path heads = ExitHeads.pathFor(path);
        if (classes.needsExitHeads() && model.exitHeads().isEmpty() && Files.exists(heads)) {
            model.useExitHeads(ExitHeads.read(heads));
        }
    }

    /** The model's name in the API: the checkpoint's file or directory name. */
    public static String modelName(Path model) {
        String file = model.toAbsolutePath().normalize().getFileName().toString();
        return file.endsWith(".bin") ? file.substring(0, file.length() - 4) : file;
    }

    public int port() {
        return http.actualPort();
    }

    public boolean isReady() {
        return scheduler.isReady();
    }

    /** Why the model could not be loaded, if it could not: the server will never be ready. */
    public Optional<String> failure() {
        return scheduler.failure();
    }

    /**
     * Makes {@code plan} the plan of requests admitted from the next decode step on.
     *
     * @see BatchScheduler#swapPlan
     */
    public CompletableFuture<Void> swapPlan(ExecutionPlan plan) {
        return scheduler.swapPlan(plan);
    }

    /**
     * Stops accepting (new requests and readiness get 503), lets running requests finish within
     * the grace period, cuts the rest short, and closes once their replies are written.
     */
    @Override
    public void close() throws InterruptedException {
        // The scheduler first: it refuses new requests while running ones finish over HTTP.
        scheduler.shutdown(shutdownGrace);
        // Every reply has been handed to the event loops; let them write it, then close.
        http.shutdown(REPLY_FLUSH).await();
        vertx.close().await();
        // Last: the telemetry of the last tokens is flushed.
        closeAll(kafka);
    }

    /** Closes each in reverse order of start; one failing does not keep the others open. */
    private static void closeAll(List<AutoCloseable> resources) {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                System.getLogger(ExitstreamServer.class.getName()).log(
                        System.Logger.Level.WARNING, "closing: " + e.getMessage());
            }
        }
    }
}
