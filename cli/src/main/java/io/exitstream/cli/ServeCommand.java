package io.exitstream.cli;

import io.exitstream.server.ExitstreamServer;
import io.exitstream.server.ServerOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Serves a model over the OpenAI-compatible HTTP API until the process is stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model over OpenAI-compatible HTTP (/v1/completions, /metrics).")
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "llama2.c .bin checkpoint or Hugging Face model directory.")
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

    @Mixin
    private RuntimeOptions runtime;

    @Mixin
    private PlanOption planOption;

    @Override
    public Integer call() throws InterruptedException {
        ServerOptions defaults = ServerOptions.of(model, tokenizer, host, port);
        ServerOptions options = defaults
                .withBatching(maxBatch, maxQueue, defaults.queueTimeout())
                .withLoader(runtime::load)
                .withPlan(planOption::plan)
                .withShutdownGrace(Duration.ofMillis(Math.round(shutdownTimeout * 1000)));
        ExitstreamServer server = ExitstreamServer.start(options);
        System.err.printf("serve: %s on http://%s:%d (%s weights)%n", model, host, server.port(),
                runtime.weightName());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stopped.countDown();
        }, "exitstream-stop"));
        // Serves until stopped; a model that fails to load ends the command with its reason.
        while (!stopped.await(200, TimeUnit.MILLISECONDS)) {
            if (server.failure().isPresent()) {
                server.close();
                throw new IllegalStateException(server.failure().get());
            }
        }
        return 0;
    }
}
