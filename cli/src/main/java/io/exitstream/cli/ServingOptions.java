package io.exitstream.cli;

import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import io.exitstream.server.ApiKey;
import io.exitstream.server.ExitstreamServer;
import io.exitstream.server.KafkaOptions;
import io.exitstream.server.ServerOptions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What {@code serve} and {@code up} share: the model, where to listen, batching, shutdown. */
final class ServingOptions {

    @Option(names = "--model", paramLabel = "PATH",
            description = "llama2.c .bin checkpoint or Hugging Face model directory (default:"
                    + " the shipped models/" + DefaultModel.NAME + ").")
    private Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "tokenizer.bin or tokenizer.json (default: found beside the model).")
    private Path tokenizer;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--port", defaultValue = "8080",
            description = "Port to listen on (default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--max-batch", defaultValue = "8",
            description = "Sequences decoded together (default: ${DEFAULT-VALUE}).")
    private int maxBatch;

    @Option(names = "--max-queue", defaultValue = "64",
            description = "Requests that may wait for a slot; more get 429"
                    + " (default: ${DEFAULT-VALUE}).")
    private int maxQueue;

    @Option(names = "--shutdown-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "On SIGTERM, how long running requests may go on before they are cut"
                    + " short (default: ${DEFAULT-VALUE}).")
    private double shutdownTimeout;

    /** Set by {@code up --replicas}: servers behind the router; 1 is the server alone. */
    private int replicas = 1;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:EXITSTREAM_API_KEY}",
            description = "Require 'Authorization: Bearer KEY' on /v1/*, /tokenize and"
                    + " /detokenize (default: $EXITSTREAM_API_KEY if set; none otherwise)."
                    + " Prefer --api-key-file: a command line is visible to other users.")
    private String apiKey;

    @Option(names = "--api-key-file", paramLabel = "PATH",
            description = "Read the API key from the first line of this file.")
    private Path apiKeyFile;

    @Mixin
    private RuntimeOptions runtime;

    @Mixin
    private PlanOption planOption;

    /** Refuses weights the CPU cannot run, before the server (or the broker of up) starts. */
    void requireCpuSupport() {
        runtime.requireCpuSupport();
    }

    void replicas(int count) {
        replicas = count;
    }

    /** The model given, or the shipped one. */
    Path model() {
        return DefaultModel.orDefault(model);
    }

    /** The key the API requires, or null; never printed (see {@link ApiKey}). */
    private ApiKey apiKey() {
        if (apiKeyFile != null && apiKey != null && !apiKey.isEmpty()) {
            throw new IllegalArgumentException("give --api-key or --api-key-file, not both");
        }
        if (apiKeyFile != null) {
            return ApiKey.fromFile(apiKeyFile);
        }
        return apiKey == null || apiKey.isEmpty() ? null : ApiKey.of(apiKey);
    }

    /** The served checkpoint, as the re-scheduler beside the server reads it. */
    LlamaWeights weights() {
        return ModelFormat.load(model());
    }

    Tokenizer tokenizer(LlamaWeights weights) {
        return TokenizerFiles.load(model(), tokenizer, weights.config().vocabSize());
    }

    /** A second copy of the model on the device, as the server loads its own. */
    LlamaModel load(LlamaWeights weights) {
        return runtime.load(weights);
    }

    /** The model's name in the API and in telemetry. */
    String modelId() {
        return ExitstreamServer.modelName(model());
    }

    /**
     * Starts the server (or the replicas and the router in front of them, see
     * {@link #replicas}) with {@code kafka} (null: none) and serves until the process is
     * stopped, with {@code /metrics} (the first replica's) serving {@code metrics}; then closes
     * the server and, after it, {@code alsoClose}. A model that fails to
     * load ends the command with its reason, and so does what runs beside the server when
     * {@code alsoFailed} gives a reason (it gives null while all is well).
     */
    void serveUntilStopped(String command, KafkaOptions kafka, PrometheusMeterRegistry metrics,
            AutoCloseable alsoClose, Supplier<String> alsoFailed) throws Exception {
        ServerOptions defaults = ServerOptions.of(model(), tokenizer, host, port);
        ServerOptions options = defaults
                .withBatching(maxBatch, maxQueue, defaults.queueTimeout())
                .withLoader(planOption.loader(runtime, model()))
                .withPlan(planOption::plan)
                .withShutdownGrace(Duration.ofMillis(Math.round(shutdownTimeout * 1000)))
                .withKafka(kafka)
                .withApiKey(apiKey());
        ServingFleet server = ServingFleet.start(options, replicas, host, port, metrics);
        System.err.printf("%s: %s on http://%s:%d (%s weights)%s%n", command, model(), host,
                server.port(), runtime.weightName(), server.describe());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
                alsoClose.close();
            } catch (Exception e) {
                System.err.println(command + ": while stopping: " + e.getMessage());
            }
            stopped.countDown();
        }, "exitstream-stop"));
        while (!stopped.await(200, TimeUnit.MILLISECONDS)) {
            String failure = server.failure().orElseGet(alsoFailed);
            if (failure != null) {
                server.close();
                alsoClose.close();
                throw new IllegalStateException(failure);
            }
        }
    }
}
