package io.exitstream.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonParser;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;
import io.exitstream.server.ExitstreamServer;
import io.exitstream.server.QualityClass;
import io.exitstream.server.ServerOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The server under load, as JSON on stdout: for each concurrency, streaming clients send
 * requests back to back; aggregate tokens/s, time to first token and inter-token latency, next
 * to the raw engine's decode tokens/s at the same batch size (what the HTTP layer and the
 * scheduler cost).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Measure the HTTP server under streaming clients per concurrency:"
                + " tokens/s, time to first token, inter-token latency, and the raw engine's"
                + " decode tokens/s beside them; prints JSON.")
final class BenchServeCommand implements Callable<Integer> {

    @Mixin
    private ModelFiles files;

    @Option(names = "--url", paramLabel = "URL",
            description = "Drive the server at URL instead of starting one in-process on"
                    + " loopback (the engine comparison still loads --model here).")
    private String url;

    @Option(names = "--concurrency", split = ",", defaultValue = "1,8,32",
            description = "Concurrent streaming clients (default: ${DEFAULT-VALUE}).")
    private int[] concurrency;

    @Option(names = "--requests", defaultValue = "64",
            description = "Requests per concurrency, at least one per client"
                    + " (default: ${DEFAULT-VALUE}).")
    private int requests;

    @Option(names = "--tokens", defaultValue = "128",
            description = "Tokens each request generates, EOS ignored"
                    + " (default: ${DEFAULT-VALUE}).")
    private int tokens;

    @Option(names = "--prompt", defaultValue = "Once upon a time",
            description = "Every request's prompt (default: ${DEFAULT-VALUE}).")
    private String prompt;

    @Option(names = "--max-batch", paramLabel = "N",
            description = "The in-process server's batch (default: the highest concurrency).")
    private Integer maxBatch;

    @Option(names = "--engine-runs", defaultValue = "3",
            description = "Timed runs of the engine's decode per batch; the median is reported"
                    + " (default: ${DEFAULT-VALUE}).")
    private int engineRuns;

    @Option(names = "--classes", split = ",", paramLabel = "MIX",
            description = "Quality-class mixes to measure, each at every concurrency: a class"
                    + " (exact, balanced, fast) or classes joined by + for an even mix, e.g."
                    + " exact,fast,exact+fast (default: none, the server's plan, compared with"
                    + " the engine).")
    private List<String> classes = List.of();

    @Mixin
    private RuntimeOptions runtime;

    @Mixin
    private PlanOption planOption;

    @Override
    public Integer call() throws Exception {
        BenchCommand.requirePositive("--requests", requests);
        BenchCommand.requirePositive("--tokens", tokens);
        BenchCommand.requirePositive("--engine-runs", engineRuns);
        Arrays.stream(concurrency).forEach(c -> BenchCommand.requirePositive("--concurrency", c));
        List<List<String>> mixes = mixes();
        int highest = Arrays.stream(concurrency).max().orElseThrow();
        int batch = maxBatch != null ? maxBatch : highest;

        List<Map<String, Object>> levels = new ArrayList<>();
        ExitstreamServer server = url == null ? startServer(batch, highest) : null;
        try {
            String base = server != null ? "http://127.0.0.1:" + server.port() : url;
            for (List<String> mix : mixes) {
                StreamingLoad load = new StreamingLoad("bench serve", base, prompt, tokens, mix);
                load.warmUp();
                for (int c : concurrency) {
                    Map<String, Object> level = new LinkedHashMap<>();
                    if (!mix.isEmpty()) {
                        level.put("classes", String.join("+", mix));
                    }
                    level.putAll(load.run(c, Math.max(requests, c)));
                    levels.add(level);
                }
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("model", files.model.toString());
        report.put("server", url != null ? url : "in-process, loopback, max batch " + batch);
        report.put("weights", runtime.weightName());
        try (LlamaModel engine = runtime.load(ModelFormat.load(files.model))) {
            ExecutionPlan plan = planOption.plan(engine, files.model);
            report.put("plan", JsonParser.parseString(plan.toJson()));
            report.put("threads", Torch.threads());
            report.put("cores", Runtime.getRuntime().availableProcessors());
            report.put("tokens_per_request", tokens);
            DecodeBench decode = new DecodeBench(tokens, engineRuns);
            // The engine runs the server's plan: only levels without classes compare with it.
            for (Map<String, Object> level : levels) {
                if (level.containsKey("classes")) {
                    continue;
                }
                Object engineRate = decode.measure(engine, plan, (int) level.get("concurrency"))
                        .get("tokens_per_s");
                level.put("engine_decode_tokens_per_s", engineRate);
                level.put("served_over_engine", Math.round(
                        (double) level.get("tokens_per_s") / (double) engineRate * 1000) / 1000.0);
            }
        }
        report.put("levels", levels);
        System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(report));
        return 0;
    }

    /** Each --classes mix as its classes; one empty mix (the server's plan) without any. */
    private List<List<String>> mixes() {
        if (classes.isEmpty()) {
            return List.of(List.of());
        }
        Set<String> known = Arrays.stream(QualityClass.values()).map(QualityClass::apiName)
                .collect(Collectors.toSet());
        List<List<String>> mixes = new ArrayList<>();
        for (String mix : classes) {
            List<String> names = List.of(mix.split("\\+", -1));
            for (String name : names) {
                if (!known.contains(name)) {
                    throw new IllegalArgumentException("--classes: '" + name + "' is not a"
                            + " quality class (" + String.join(", ", new TreeSet<>(known))
                            + ")");
                }
            }
            mixes.add(names);
        }
        return mixes;
    }

    /** The server on a free loopback port, once its model is loaded and warm. */
    private ExitstreamServer startServer(int batch, int clients) throws InterruptedException {
        ServerOptions defaults = ServerOptions.of(files.model, files.tokenizer, "127.0.0.1", 0);
        ExitstreamServer server = ExitstreamServer.start(defaults
                .withBatching(batch, Math.max(64, clients), defaults.queueTimeout())
                .withLoader(planOption.loader(runtime, files.model))
                .withPlan(planOption::plan));
        while (!server.isReady()) {
            if (server.failure().isPresent()) {
                server.close();
                throw new IllegalStateException(server.failure().get());
            }
            Thread.sleep(20);
        }
        return server;
    }
}
