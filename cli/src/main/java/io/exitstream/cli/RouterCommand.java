package io.exitstream.cli;

import io.exitstream.router.ExitstreamRouter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the router in front of server replicas until the process is stopped. */
@Command(name = "router", mixinStandardHelpOptions = true,
        description = "Route OpenAI-compatible requests to exitstream serve replicas: pools by"
                + " model, least-outstanding balancing, health checks, retries, API keys and"
                + " limits (configuration format: docs/router.md).")
final class RouterCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "The router's JSON configuration (see docs/router.md).")
    private Path config;

    @Override
    public Integer call() throws Exception {
        ExitstreamRouter router = ExitstreamRouter.start(config);
        System.err.printf("router: listening on port %d (%s)%n", router.port(), config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            router.close();
            stopped.countDown();
        }, "exitstream-router-stop"));
        stopped.await();
        return 0;
    }
}
