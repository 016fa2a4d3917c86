package io.exitstream.cli;

import io.exitstream.compression.Corpus;
import io.exitstream.compression.ModelFiles;
import io.exitstream.compression.PlanEvaluator;
import io.exitstream.compression.distill.DistillOptions;
import io.exitstream.compression.distill.Distiller;
import io.exitstream.compression.distill.LayerMap;
import io.exitstream.compression.prune.ActivationStats;
import io.exitstream.compression.prune.Calibration;
import io.exitstream.compression.prune.Criterion;
import io.exitstream.compression.prune.PruneResult;
import io.exitstream.compression.prune.PruneTarget;
import io.exitstream.compression.prune.Pruner;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.model.LayerShape;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.runtime.LlamaModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IntSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Prunes a model at several ratios per criterion (optionally healing the structured ones by
 * distillation), then measures each result as written to disk: perplexity on an evaluation
 * text, parameters, size on disk, decode tokens/s. JSON on stdout, a Markdown table and a PNG
 * in {@code --out}.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Prune at several ratios per criterion and measure perplexity, size and"
                + " speed. JSON on stdout; sweep.md and sweep.png in --out.")
final class SweepCommand implements Callable<Integer> {

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Mixin
    private TextModelOptions input;

    @Option(names = "--criteria", split = ",", required = true, paramLabel = "NAMES",
            description = "Criteria to compare (see exitstream prune).")
    private List<String> criteria;

    @Option(names = "--ratios", split = ",", defaultValue = "0.2,0.4", paramLabel = "R",
            description = "Ratios per criterion; 2:4 criteria take none (default:"
                    + " ${DEFAULT-VALUE}).")
    private List<Double> ratios;

    @Option(names = "--eval", required = true, paramLabel = "FILE",
            description = "Evaluation text, never the calibration text.")
    private Path eval;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Where the pruned models, sweep.md and sweep.png go.")
    private Path out;

    @Option(names = "--distill-steps", defaultValue = "0", paramLabel = "N",
            description = "Also heal each structured result by N distillation steps (default:"
                    + " none).")
    private int distillSteps;

    @Option(names = "--tokens", defaultValue = "128",
            description = "Tokens decoded per timed run (default: ${DEFAULT-VALUE}).")
    private int tokens;

    @Option(names = "--runs", defaultValue = "3",
            description = "Timed runs per model; the median is reported (default:"
                    + " ${DEFAULT-VALUE}).")
    private int runs;

    @Mixin
    private CalibrationText calibration;

    @Mixin
    private ThreadsOption threads;

    /** The evaluation text's sequences, read once. */
    private Corpus evalCorpus;

    @Override
    public Integer call() throws IOException {
        List<PruneTarget> targets = validated();
        threads.apply();
        LlamaWeights dense = input.weights();
        try {
            targets.forEach(t -> t.amount(dense.config()));
            evalCorpus = input.read(eval, dense);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Corpus corpus;
        try (LlamaModel model = LlamaModel.load(dense)) {
            corpus = calibration.corpus(input, dense, model);
        }
        ConsoleProgress progress = new ConsoleProgress();
        ActivationStats stats = Calibration.collect(dense, corpus, progress);
        Files.createDirectories(out);
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(measure("dense", null, false, input.model, dense));
        for (PruneTarget target : targets) {
            PruneResult result = Pruner.prune(dense, target, stats);
            Path dir = out.resolve(name(target));
            ModelFiles.write(result.weights(), input.model, input.tokenizerPath(), dir);
            ModelFiles.writeJson(result.report(), dir.resolve(PruneCommand.REPORT));
            rows.add(measure(target.criterion().label(), target.ratio(), false, dir, dense));
            if (distillSteps > 0 && target.criterion().kind().structured()) {
                Path healed = out.resolve(name(target) + "-distilled");
                heal(dense, result, corpus, progress, healed);
                rows.add(measure(target.criterion().label(), target.ratio(), true, healed,
                        dense));
            }
        }
        Files.writeString(out.resolve("sweep.md"), table(rows));
        chart(rows, out.resolve("sweep.png"));
        Json.print(rows);
        System.err.println("sweep: wrote " + out.resolve("sweep.md") + " and "
                + out.resolve("sweep.png"));
        return 0;
    }

    private List<PruneTarget> validated() {
        try {
            if (!Files.isRegularFile(eval)) {
                throw new IllegalArgumentException("evaluation file not found: " + eval);
            }
            if (distillSteps < 0) {
                throw new IllegalArgumentException("--distill-steps must be 0 or more");
            }
            calibration.check();
            List<PruneTarget> targets = new ArrayList<>();
            for (String label : criteria) {
                Criterion criterion = Criterion.parse(label);
                if (criterion.kind() == Criterion.Kind.TWO_FOUR) {
                    targets.add(new PruneTarget(criterion, null, null));
                } else {
                    for (double ratio : ratios) {
                        targets.add(new PruneTarget(criterion, ratio, null));
                    }
                }
            }
            return targets;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** Distils the pruned model from the dense one, with distill's defaults. */
    private void heal(LlamaWeights dense, PruneResult pruned, Corpus corpus,
            ConsoleProgress progress, Path dir) {
        DistillOptions options = new DistillOptions(2, 0, distillSteps, 4, 5e-4, distillSteps);
        int[] layerMap = LayerMap.of(pruned.report(), dense.config().layers(),
                pruned.weights().config().layers(), false);
        try (Distiller distiller = new Distiller(dense, pruned.weights(), layerMap, options)) {
            progress.begin("distill", distillSteps);
            distiller.train(corpus, distillSteps, step -> progress.step());
            progress.end();
            ModelFiles.write(distiller.student(), input.model, input.tokenizerPath(), dir);
        }
    }

    /** Loads the model back from disk and measures it as the server would run it. */
    private Map<String, Object> measure(String criterion, Double ratio, boolean distilled,
            Path path, LlamaWeights dense) {
        LlamaWeights weights = ModelFormat.load(path);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("criterion", criterion);
        row.put("ratio", ratio);
        row.put("distilled", distilled);
        ModelConfig c = weights.config();
        row.put("layers", c.layers());
        row.put("heads", c.layerShapes().stream().mapToInt(LayerShape::heads).sum());
        IntSummaryStatistics widths = c.layerShapes().stream()
                .mapToInt(LayerShape::hiddenDim).summaryStatistics();
        row.put("ffn_width", widths.getMin() == widths.getMax() ? "" + widths.getMax()
                : widths.getMin() + "-" + widths.getMax());
        row.put("parameters", weights.config().parameterCount());
        row.put("nonzero_parameters", nonzero(weights));
        row.put("removed_fraction", Json.round(1 - (double) nonzero(weights)
                / dense.config().parameterCount()));
        row.put("size_bytes", ModelFiles.sizeOnDisk(path));
        try (LlamaModel model = LlamaModel.load(weights);
                PlanEvaluator evaluator = new PlanEvaluator(model, evalCorpus)) {
            row.put("perplexity", Json.round(evaluator.fullQuality().perplexity()));
            row.put("decode_tokens_per_s", evaluator.speed(ExecutionPlan.full(), 1, tokens, runs)
                    .tokensPerSecond());
        }
        row.put("path", path.toString());
        return row;
    }

    private static long nonzero(LlamaWeights w) {
        long zeros = 0;
        for (float[][] perLayer : List.of(w.wq(), w.wk(), w.wv(), w.wo(), w.w1(), w.w2(),
                w.w3())) {
            for (float[] m : perLayer) {
                for (float v : m) {
                    zeros += v == 0f ? 1 : 0;
                }
            }
        }
        return w.config().parameterCount() - zeros;
    }

    private static String name(PruneTarget target) {
        String label = target.criterion().label().replace(":", "of");
        return target.ratio() == null ? label
                : String.format(Locale.ROOT, "%s-%.2f", label, target.ratio());
    }

    private static String table(List<Map<String, Object>> rows) {
        StringBuilder md = new StringBuilder("| criterion | ratio | distilled | layers | heads"
                + " | FFN width | parameters | non-zero | removed | size (KB) | perplexity |"
                + " decode tokens/s |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : rows) {
            md.append(String.format(Locale.ROOT,
                    "| %s | %s | %s | %d | %d | %s | %d | %d | %.1f%% | %.0f | %.3f | %.0f |%n",
                    r.get("criterion"), r.get("ratio") == null ? "-" : r.get("ratio"),
                    (boolean) r.get("distilled") ? "yes" : "no", r.get("layers"), r.get("heads"),
                    r.get("ffn_width"), r.get("parameters"), r.get("nonzero_parameters"),
                    100 * (double) r.get("removed_fraction"),
                    (long) r.get("size_bytes") / 1024.0, (double) r.get("perplexity"),
                    (double) r.get("decode_tokens_per_s")));
        }
        return md.toString();
    }

    /** Perplexity against non-zero parameters and against decode speed, a line per criterion. */
    private static void chart(List<Map<String, Object>> rows, Path file) {
        Map<String, List<LineChart.Point>> bySize = new LinkedHashMap<>();
        Map<String, List<LineChart.Point>> bySpeed = new LinkedHashMap<>();
        Map<String, Object> dense = rows.get(0);
        for (Map<String, Object> r : rows.subList(1, rows.size())) {
            String series = r.get("criterion") + ((boolean) r.get("distilled")
                    ? " + distill" : "");
            for (var target : List.of(bySize, bySpeed)) {
                target.computeIfAbsent(series, s -> new ArrayList<>(List.of(
                        point(dense, target == bySize, "dense"))));
            }
            String label = r.get("ratio") == null ? "2:4" : r.get("ratio").toString();
            bySize.get(series).add(point(r, true, label));
            bySpeed.get(series).add(point(r, false, label));
        }
        try {
            ImageIO.write(LineChart.draw(List.of(
                    new LineChart.Panel("perplexity vs parameters", "non-zero parameters",
                            "perplexity", series(bySize)),
                    new LineChart.Panel("perplexity vs decode speed", "decode tokens/s",
                            "perplexity", series(bySpeed)))), "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static LineChart.Point point(Map<String, Object> r, boolean size, String label) {
        double x = size ? ((Number) r.get("nonzero_parameters")).doubleValue()
                : (double) r.get("decode_tokens_per_s");
        return new LineChart.Point(x, (double) r.get("perplexity"), label);
    }

    private static List<LineChart.Series> series(Map<String, List<LineChart.Point>> lines) {
        List<LineChart.Series> all = new ArrayList<>();
        lines.forEach((name, points) -> all.add(new LineChart.Series(name, points)));
        return all;
    }
}
