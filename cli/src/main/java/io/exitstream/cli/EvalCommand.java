package io.exitstream.cli;

import com.google.gson.JsonParser;
import io.exitstream.compression.BitsPerByte;
import io.exitstream.compression.Corpus;
import io.exitstream.compression.PlanEvaluator;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A plan against the full model on a text: perplexity, greedy agreement, layers per token,
 * bits per byte (of the whole documents, under the full model and the plan) and decode
 * tokens/s as JSON; with {@code --sweep}, the same for scaled thresholds and a PNG of
 * speed against quality.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Measure a plan against the full model: perplexity, greedy agreement,"
                + " mean layers per token, bits per byte, decode tokens/s. JSON on stdout.")
final class EvalCommand implements Callable<Integer> {

    /** Sweep factors on each threshold's distance to 1: 0 never exits, 1 is the plan. */
    private static final double[] SWEEP = {0, 0.25, 0.5, 1, 1.5, 2, 3, 4, 6};

    @Mixin
    private TextModelOptions input;

    @Mixin
    private PlanOption planOption;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "Evaluation text: documents separated by blank lines, else one per"
                    + " line.")
    private Path data;

    @Option(names = "--batch", split = ",", defaultValue = "1,8",
            description = "Batch sizes to time decoding at (default: ${DEFAULT-VALUE}).")
    private int[] batches;

    @Option(names = "--tokens", defaultValue = "128",
            description = "Tokens each sequence decodes per timed run (default: ${DEFAULT-VALUE}).")
    private int tokens;

    @Option(names = "--runs", defaultValue = "3",
            description = "Timed runs per figure; the median is reported"
                    + " (default: ${DEFAULT-VALUE}).")
    private int runs;

    @Option(names = "--sweep", description = "Also evaluate the plan's thresholds scaled"
            + " towards and away from 1, and draw speed against agreement.")
    private boolean sweep;

    @Option(names = "--png", defaultValue = "eval-sweep.png", paramLabel = "PNG",
            description = "Where --sweep draws its chart (default: ${DEFAULT-VALUE}).")
    private Path png;

    @Option(names = "--bpb-window", paramLabel = "N",
            description = "Sliding window in tokens for bits per byte, which scores whole"
                    + " documents, stride N/2 (default: the model's context).")
    private Integer bpbWindow;

    @Mixin
    private RuntimeOptions runtime;

    @Override
    public Integer call() throws IOException {
        LlamaWeights weights = input.weights();
        Corpus corpus = input.read(data, weights);
        Map<String, Object> report = new LinkedHashMap<>();
        try (LlamaModel model = runtime.load(weights)) {
            ExecutionPlan plan = planOption.plan(model, input.model);
            if (sweep && !(plan.exit() instanceof ExitPolicy.Confidence)) {
                throw new IllegalArgumentException("--sweep scales confidence thresholds; the"
                        + " plan has exit policy " + plan.exit().type());
            }
            try (PlanEvaluator evaluator = new PlanEvaluator(model, corpus)) {
                report.put("model", input.model.toString());
                report.put("data", data.toString());
                report.put("weights", runtime.weightName());
                report.putAll(evaluate(evaluator, plan));
                report.put("bitsPerByte", bitsPerByte(model, plan, weights));
                if (sweep) {
                    List<Map<String, Object>> points = new ArrayList<>();
                    for (double factor : SWEEP) {
                        Map<String, Object> point = new LinkedHashMap<>();
                        point.put("scale", factor);
                        point.putAll(evaluate(evaluator, scaled(plan, factor)));
                        points.add(point);
                        System.err.printf("eval: sweep scale %s done%n", factor);
                    }
                    report.put("sweep", points);
                    draw(points);
                }
            }
        }
        Json.print(report);
        return 0;
    }

    /**
     * Bits per byte of the whole documents, uncut (see {@link BitsPerByte}): the full model's,
     * and the plan's when it is not the full model.
     */
    private Map<String, Object> bitsPerByte(LlamaModel model, ExecutionPlan plan,
            LlamaWeights weights) {
        Tokenizer tokenizer = input.tokenizer(weights);
        List<String> documents = Corpus.documents(data);
        int window = BpbCommand.window(bpbWindow, weights);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("full", BpbCommand.json(BitsPerByte.measure(model, ExecutionPlan.full(),
                tokenizer, documents, window)));
        if (!plan.skippedLayers().isEmpty() || !(plan.exit() instanceof ExitPolicy.None)) {
            out.put("plan", BpbCommand.json(BitsPerByte.measure(model, plan, tokenizer,
                    documents, window)));
        }
        return out;
    }

    private Map<String, Object> evaluate(PlanEvaluator evaluator, ExecutionPlan plan) {
        PlanEvaluator.Quality q = evaluator.quality(plan);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("plan", JsonParser.parseString(plan.toJson()));
        out.put("tokens", q.tokens());
        out.put("perplexity", Json.round(q.perplexity()));
        out.put("full_perplexity", Json.round(q.fullPerplexity()));
        out.put("perplexity_change", Json.round(q.perplexityChange()));
        out.put("agreement", Json.round(q.agreement()));
        out.put("mean_layers", Json.round(q.meanLayers()));
        List<Object> speeds = new ArrayList<>();
        for (int batch : batches) {
            PlanEvaluator.Speed s = evaluator.speed(plan, batch, tokens, runs);
            Map<String, Object> speed = new LinkedHashMap<>();
            speed.put("batch", batch);
            speed.put("tokens_per_s", s.tokensPerSecond());
            speed.put("runs_tokens_per_s", Arrays.stream(s.runsTokensPerSecond())
                    .map(v -> Math.round(v * 10) / 10.0).toArray());
            speed.put("mean_layers", Json.round(s.meanLayers()));
            if (!Double.isNaN(s.draftsAccepted())) {
                speed.put("drafts_accepted", Json.round(s.draftsAccepted()));
            }
            speeds.add(speed);
        }
        out.put("decode", speeds);
        return out;
    }

    /** Each threshold t becomes {@code 1 - factor (1 - t)}, kept inside (0, 1]. */
    private static ExecutionPlan scaled(ExecutionPlan plan, double factor) {
        ExitPolicy.Confidence confidence = (ExitPolicy.Confidence) plan.exit();
        SortedMap<Integer, Float> thresholds = new TreeMap<>();
        confidence.thresholds().forEach((layer, t) -> thresholds.put(layer,
                (float) Math.max(0.01, Math.min(1, 1 - factor * (1 - t)))));
        return new ExecutionPlan(plan.version(), plan.skippedLayers(),
                new ExitPolicy.Confidence(thresholds, confidence.minExitLayer()));
    }

    @SuppressWarnings("unchecked")
    private void draw(List<Map<String, Object>> points) throws IOException {
        List<LineChart.Series> speed = new ArrayList<>();
        for (int b = 0; b < batches.length; b++) {
            List<LineChart.Point> line = new ArrayList<>();
            for (Map<String, Object> p : points) {
                Map<String, Object> decode = ((List<Map<String, Object>>) p.get("decode")).get(b);
                line.add(new LineChart.Point((double) p.get("agreement"),
                        (double) decode.get("tokens_per_s"), "x" + p.get("scale")));
            }
            speed.add(new LineChart.Series("batch " + batches[b], line));
        }
        List<LineChart.Point> layers = new ArrayList<>();
        for (Map<String, Object> p : points) {
            layers.add(new LineChart.Point((double) p.get("agreement"),
                    (double) p.get("mean_layers"), "x" + p.get("scale")));
        }
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(LineChart.draw(List.of(
                new LineChart.Panel("decode speed vs quality", "greedy agreement with the full"
                        + " model", "tokens/s (all sequences)", speed),
                new LineChart.Panel("layers per token vs quality", "greedy agreement with the"
                        + " full model", "mean layers executed", List.of(
                                new LineChart.Series("teacher-forced", layers))))),
                "png", png.toFile());
        System.err.println("eval: wrote " + png);
    }
}
