package io.exitstream.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonParser;
import io.exitstream.compression.DecodeSpeed;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.runtime.KvCache;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Prefill and decode throughput of the raw engine, as JSON on stdout. Every figure is the
 * median of several timed runs, listed too: prefill's after one untimed run, decode's after
 * {@code --warm-up} seconds of untimed decoding (see {@link DecodeBench}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure prefill and decode tokens/s per batch size; prints JSON.",
        subcommands = {BenchServeCommand.class, BenchTelemetryCommand.class,
            BenchRouterCommand.class})
final class BenchCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private ModelSource source;

    @Option(names = "--batch", split = ",", defaultValue = "1,4,16",
            description = "Batch sizes to decode with (default: ${DEFAULT-VALUE}).")
    private int[] batches;

    @Option(names = "--tokens", defaultValue = "128",
            description = "Tokens each sequence decodes per run (default: ${DEFAULT-VALUE}).")
    private int tokens;

    @Option(names = "--prompt-tokens", defaultValue = "128",
            description = "Prompt length for the prefill measurement (default: ${DEFAULT-VALUE}).")
    private int promptTokens;

    @Option(names = "--runs", defaultValue = "5",
            description = "Timed runs per figure; the median is reported"
                    + " (default: ${DEFAULT-VALUE}).")
    private int runs;

    @Option(names = "--warm-up", paramLabel = "SECONDS",
            defaultValue = "" + DecodeSpeed.WARM_UP_SECONDS,
            description = "Untimed decoding before the timed runs, at least one run: the JVM"
                    + " compiles the decode path over its first 10 to 20 s of decoding, and on"
                    + " few cores its compiler threads slow the runs. At least SECONDS, counted"
                    + " over the process, then until the JIT compiler has been quiet for 5 s of"
                    + " decoding (at most 60 s more); 0 skips both (default: ${DEFAULT-VALUE}).")
    private double warmUpSeconds;

    @Option(names = "--against-full",
            description = "Time the full model before every run of --plan, in the same process,"
                    + " and report the plan's speedup as the median of the per-run ratios.")
    private boolean againstFull;

    @Mixin
    private RuntimeOptions runtime;

    @Mixin
    private PlanOption planOption;

    @Override
    public Integer call() {
        if (againstFull && !planOption.given()) {
            throw new ParameterException(spec.commandLine(),
                    "--against-full compares a plan with the full model: give the plan with"
                            + " --plan");
        }
        requirePositive("--tokens", tokens);
        requirePositive("--prompt-tokens", promptTokens);
        requirePositive("--runs", runs);
        if (!(warmUpSeconds >= 0)) {
            throw new IllegalArgumentException("--warm-up must be 0 or more seconds, got "
                    + warmUpSeconds);
        }
        Arrays.stream(batches).forEach(b -> requirePositive("--batch", b));
        Map<String, Object> report = new LinkedHashMap<>();
        try (LlamaModel model = runtime.load(source.weights())) {
            ModelConfig config = model.config();
            ExecutionPlan plan = planOption.plan(model, source.path());
            if (promptTokens >= config.contextLength() || tokens + 1 > config.contextLength()) {
                throw new IllegalArgumentException("--prompt-tokens and --tokens must fit the"
                        + " context of " + config.contextLength() + " positions");
            }
            report.put("model", source.describe());
            report.put("shape", shape(config));
            report.put("weights", runtime.weightName());
            report.put("plan", JsonParser.parseString(plan.toJson()));
            report.put("threads", Torch.threads());
            report.put("cores", Runtime.getRuntime().availableProcessors());
            report.put("pytorch", Torch.version());
            report.put("runs", runs);
            report.put("prefill", prefill(model));
            List<Object> decode = new ArrayList<>();
            DecodeBench bench = new DecodeBench(tokens, runs, againstFull, warmUpSeconds);
            for (int batch : batches) {
                decode.add(bench.measure(model, plan, batch));
            }
            report.put("decode", decode);
        }
        System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(report));
        return 0;
    }

    private Map<String, Object> prefill(LlamaModel model) {
        int[] prompt = new SplittableRandom(1).ints(promptTokens, 0, model.config().vocabSize())
                .toArray();
        double[] perSecond = new double[runs];
        try (KvCache cache = model.newCache(1, promptTokens)) {
            model.prefill(cache, 0, 0, prompt);
            for (int r = 0; r < runs; r++) {
                long start = System.nanoTime();
                model.prefill(cache, 0, 0, prompt);
                perSecond[r] = promptTokens / seconds(start);
                progress("prefill", r + 1);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("prompt_tokens", promptTokens);
        out.put("tokens_per_s", DecodeSpeed.median(perSecond));
        out.put("runs_tokens_per_s", round(perSecond));
        return out;
    }

    static Map<String, Object> shape(ModelConfig c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("dim", c.dim());
        out.put("hidden_dim", c.hiddenDim());
        out.put("layers", c.layers());
        out.put("heads", c.heads());
        out.put("kv_heads", c.kvHeads());
        out.put("vocab_size", c.vocabSize());
        out.put("context_length", c.contextLength());
        out.put("parameters", c.parameterCount());
        if (!c.uniform()) {
            // A pruned model's layers: heads, KV heads and FFN width of each.
            out.put("layer_shapes", c.layerShapes().stream().map(s -> List.of(s.heads(),
                    s.kvHeads(), s.hiddenDim())).toList());
        }
        return out;
    }

    private void progress(String what, int run) {
        System.err.printf("bench: %s run %d/%d%n", what, run, runs);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    static double[] round(double[] values) {
        return Arrays.stream(values).map(v -> Math.round(v * 10) / 10.0).toArray();
    }

    static void requirePositive(String option, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(option + " must be positive, got " + value);
        }
    }
}
