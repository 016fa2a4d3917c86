package io.exitstream.cli;

import com.google.gson.JsonParser;
import io.exitstream.compression.Corpus;
import io.exitstream.compression.LayerAnalysis;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.LlamaModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Per-layer sensitivity (ShortGPT block influence, perplexity without the layer) and the skip
 * schedule that fits a perplexity budget: a table on stderr, JSON on stdout.
 */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = "Rank layers by block influence and perplexity cost; propose the skip"
                + " schedule that fits a perplexity budget. Table on stderr, JSON on stdout.")
final class AnalyzeCommand implements Callable<Integer> {

    @Mixin
    private TextModelOptions input;

    @Mixin
    private CalibrationText text;

    @Option(names = "--budget", defaultValue = "0.05",
            description = "Largest relative perplexity increase of the proposed schedule"
                    + " (default: ${DEFAULT-VALUE}).")
    private double budget;

    @Option(names = "--out", paramLabel = "PLAN_JSON",
            description = "Write the proposed schedule here as an execution plan.")
    private Path out;

    @Mixin
    private RuntimeOptions runtime;

    @Override
    public Integer call() {
        if (!(budget >= 0)) {
            throw new IllegalArgumentException("--budget must be >= 0, got " + budget);
        }
        text.check();
        LlamaWeights weights = input.weights();
        Corpus corpus;
        LayerAnalysis.Result result;
        try (LlamaModel model = runtime.load(weights)) {
            corpus = text.corpus(input, weights, model);
            result = LayerAnalysis.analyze(model, corpus, budget, new ConsoleProgress());
        }
        printTable(result);
        if (out != null) {
            Json.writePlan(out, result.schedule());
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("model", input.model.toString());
        report.put("data", text.describe());
        report.put("tokens", corpus.predictions());
        report.put("full_perplexity", Json.round(result.fullPerplexity()));
        List<Object> layers = new ArrayList<>();
        for (LayerAnalysis.LayerSensitivity s : result.layers()) {
            Map<String, Object> layer = new LinkedHashMap<>();
            layer.put("layer", s.layer());
            layer.put("influence", Json.round(s.influence()));
            layer.put("perplexity_without_it", Json.round(s.perplexityWithoutIt()));
            layer.put("perplexity_increase", Json.round(s.perplexityIncrease()));
            layers.add(layer);
        }
        report.put("layers", layers);
        report.put("ranking", result.ranking());
        report.put("budget", budget);
        report.put("schedule_perplexity", Json.round(result.schedulePerplexity()));
        report.put("schedule_perplexity_increase",
                Json.round(result.schedulePerplexity() / result.fullPerplexity() - 1));
        report.put("plan", JsonParser.parseString(result.schedule().toJson()));
        Json.print(report);
        return 0;
    }

    private static void printTable(LayerAnalysis.Result result) {
        System.err.printf("%-6s %10s %14s %10s%n", "layer", "influence", "ppl without", "increase");
        for (int layer : result.ranking()) {
            LayerAnalysis.LayerSensitivity s = result.layers().get(layer);
            System.err.printf("%-6d %10.4f %14.4f %9.2f%%%n", layer, s.influence(),
                    s.perplexityWithoutIt(), 100 * s.perplexityIncrease());
        }
        System.err.printf("full model perplexity %.4f; proposed schedule skips %s: perplexity"
                + " %.4f (%+.2f%%, budget %.2f%%)%n", result.fullPerplexity(),
                result.schedule().skippedLayers(), result.schedulePerplexity(),
                100 * (result.schedulePerplexity() / result.fullPerplexity() - 1),
                100 * result.budget());
    }
}
