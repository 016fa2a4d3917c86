package io.exitstream.server;

import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.runtime.LlamaModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/**
 * How to run a server.
 *
 * @param model llama2.c checkpoint or Hugging Face directory
 * @param tokenizer the tokenizer file, or null to find it beside the model
 * @param loader puts the host weights on the device (weight type, threads)
 * @param plan makes the execution plan for the model's configuration (read from a file and
 *     validated against it, say); requests run under it until another is swapped in
 * @param port 0 picks a free port
 * @param maxBatch sequences decoded together
 * @param maxQueue requests that may wait for a slot; beyond it, 429
 * @param queueTimeout longest wait for a slot; beyond it, 503
 * @param bodyLimit largest request body in bytes; beyond it, 413
 * @param shutdownGrace how long running requests may go on after a stop; then they are cut
 * @param kafka telemetry to and schedules from Kafka; null for none
 * @param apiKey the key the API's paths ({@code /v1/*}, {@code /tokenize},
 *     {@code /detokenize}) require as a bearer token; null for none
 */
public record ServerOptions(Path model, Path tokenizer, Function<LlamaWeights, LlamaModel> loader,
        Function<ModelConfig, ExecutionPlan> plan, String host, int port, int maxBatch, int maxQueue,
        Duration queueTimeout, long bodyLimit, Duration shutdownGrace, KafkaOptions kafka,
        ApiKey apiKey) {

    public ServerOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
        if (maxBatch <= 0) {
            throw new IllegalArgumentException("max batch must be positive, got " + maxBatch);
        }
        if (maxQueue <= 0) {
            throw new IllegalArgumentException("max queue must be positive, got " + maxQueue);
        }
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("the shutdown timeout must not be negative, got "
                    + shutdownGrace.toMillis() + " ms");
        }
    }

    /** Defaults for everything but the model and where to listen. */
    public static ServerOptions of(Path model, Path tokenizer, String host, int port) {
        return new ServerOptions(model, tokenizer, LlamaModel::load,
                config -> ExecutionPlan.full(), host, port, 8, 64, Duration.ofSeconds(60), 1 << 20,
                Duration.ofSeconds(10), null, null);
    }

    public ServerOptions withBatching(int batch, int queue, Duration timeout) {
        return new ServerOptions(model, tokenizer, loader, plan, host, port, batch, queue,
                timeout, bodyLimit, shutdownGrace, kafka, apiKey);
    }

    public ServerOptions withLoader(Function<LlamaWeights, LlamaModel> newLoader) {
        return new ServerOptions(model, tokenizer, newLoader, plan, host, port, maxBatch,
                maxQueue, queueTimeout, bodyLimit, shutdownGrace, kafka, apiKey);
    }

    public ServerOptions withPlan(Function<ModelConfig, ExecutionPlan> newPlan) {
        return new ServerOptions(model, tokenizer, loader, newPlan, host, port, maxBatch,
                maxQueue, queueTimeout, bodyLimit, shutdownGrace, kafka, apiKey);
    }

    public ServerOptions withShutdownGrace(Duration grace) {
        return new ServerOptions(model, tokenizer, loader, plan, host, port, maxBatch,
                maxQueue, queueTimeout, bodyLimit, grace, kafka, apiKey);
    }

    public ServerOptions withKafka(KafkaOptions newKafka) {
        return new ServerOptions(model, tokenizer, loader, plan, host, port, maxBatch,
                maxQueue, queueTimeout, bodyLimit, shutdownGrace, newKafka, apiKey);
    }

    public ServerOptions withAddress(String newHost, int newPort) {
        return new ServerOptions(model, tokenizer, loader, plan, newHost, newPort, maxBatch,
                maxQueue, queueTimeout, bodyLimit, shutdownGrace, kafka, apiKey);
    }

    public ServerOptions withApiKey(ApiKey key) {
        return new ServerOptions(model, tokenizer, loader, plan, host, port, maxBatch,
                maxQueue, queueTimeout, bodyLimit, shutdownGrace, kafka, key);
    }
}
