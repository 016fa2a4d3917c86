package io.exitstream.cli;

import com.google.gson.JsonParser;
import io.exitstream.compression.Corpus;
import io.exitstream.compression.LayerAnalysis;
import io.exitstream.compression.PlanEvaluator;
import io.exitstream.compression.SkipCalibration;
import io.exitstream.compression.ThresholdCalibration;
import io.exitstream.engine.plan.ExecutionPlan;
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
 * schedule that fits a perplexity budget, or with {@code --agreement} the one whose greedy
 * agreement with the full model is certified on held-out text: a table on stderr, JSON on
 * stdout.
 */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = "Rank layers by block influence and perplexity cost; propose the skip"
                + " schedule that fits a perplexity budget, or with --agreement the one whose"
                + " greedy agreement is certified on held-out text. Table on stderr, JSON on"
                + " stdout.")
final class AnalyzeCommand implements Callable<Integer> {

    @Mixin
    private TextModelOptions input;

    @Mixin
    private CalibrationText text;

    @Option(names = "--budget", defaultValue = "0.05",
            description = "Largest relative perplexity increase of the proposed schedule"
                    + " (default: ${DEFAULT-VALUE}).")
    private double budget;

    @Option(names = "--agreement",
            description = "Instead of the budget: propose the schedule skipping the most of the"
                    + " least influential layers whose greedy agreement with the full model is at"
                    + " least this, certified on held-out text (Learn-then-Test), e.g. 0.95.")
    private Double agreement;

    @Option(names = "--delta", defaultValue = "0.1",
            description = "With --agreement: error level of the certificate, which holds with"
                    + " probability 1 - delta (default: ${DEFAULT-VALUE}).")
    private double delta;

    @Option(names = "--held-out", defaultValue = "0.5",
            description = "With --agreement: fraction of the sequences kept for the certificate;"
                    + " the rest ranks the layers (default: ${DEFAULT-VALUE}).")
    private double heldOut;

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
        ThresholdCalibration.Target target = agreement == null ? null
                : new ThresholdCalibration.Target(agreement, delta);
        text.check();
        LlamaWeights weights = input.weights();
        Corpus corpus;
        LayerAnalysis.Result result;
        SkipCalibration.Result certified = null;
        Corpus.Split split = null;
        ConsoleProgress progress = new ConsoleProgress();
        try (LlamaModel model = runtime.load(weights)) {
            corpus = text.corpus(input, weights, model);
            if (target == null) {
                result = LayerAnalysis.analyze(model, corpus, budget, progress);
            } else {
                // The certificate's fixed sequence may not be ordered by the text that tests it.
                split = corpus.split(heldOut);
                result = LayerAnalysis.analyze(model, split.train(), budget, progress);
                try (PlanEvaluator evaluator = new PlanEvaluator(model, split.heldOut())) {
                    certified = SkipCalibration.calibrate(evaluator, result.ranking(), target, 1,
                            progress);
                }
            }
        }
        printTable(result, certified == null);
        ExecutionPlan plan = result.schedule();
        if (certified != null) {
            printCertificate(certified, split.heldOut().predictions());
            plan = certified.plan();
        }
        if (out != null) {
            Json.writePlan(out, plan);
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
        if (certified != null) {
            report.put("budget_plan", JsonParser.parseString(result.schedule().toJson()));
            report.put("certificate", certificate(certified, split));
        }
        report.put("plan", JsonParser.parseString(plan.toJson()));
        Json.print(report);
        return 0;
    }

    private Map<String, Object> certificate(SkipCalibration.Result certified,
            Corpus.Split split) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("agreement", agreement);
        out.put("delta", delta);
        out.put("ranking_tokens", split.train().predictions());
        out.put("held_out_tokens", split.heldOut().predictions());
        List<Object> tests = new ArrayList<>();
        for (SkipCalibration.Test t : certified.tests()) {
            Map<String, Object> test = new LinkedHashMap<>();
            test.put("skipped_layers", t.skipped());
            test.put("agreement", Json.round(t.quality().agreement()));
            test.put("perplexity_change", Json.round(t.quality().perplexityChange()));
            test.put("p_value", Json.round(t.pValue()));
            test.put("passed", t.passed());
            tests.add(test);
        }
        out.put("tests", tests);
        return out;
    }

    private void printCertificate(SkipCalibration.Result certified, int heldOutTokens) {
        System.err.printf("certified at agreement %s (delta %s) on %,d held-out tokens: skips %s%n",
                agreement, delta, heldOutTokens, certified.plan().skippedLayers());
        for (SkipCalibration.Test t : certified.tests()) {
            System.err.printf("  skip %-16s agreement %.4f  p %.4g  %s%n", t.skipped(),
                    t.quality().agreement(), t.pValue(), t.passed() ? "passed" : "failed");
        }
    }

    private static void printTable(LayerAnalysis.Result result, boolean proposed) {
        System.err.printf("%-6s %10s %14s %10s%n", "layer", "influence", "ppl without", "increase");
        for (int layer : result.ranking()) {
            LayerAnalysis.LayerSensitivity s = result.layers().get(layer);
            System.err.printf("%-6d %10.4f %14.4f %9.2f%%%n", layer, s.influence(),
                    s.perplexityWithoutIt(), 100 * s.perplexityIncrease());
        }
        System.err.printf("full model perplexity %.4f; %s skips %s: perplexity"
                + " %.4f (%+.2f%%, budget %.2f%%)%n", result.fullPerplexity(),
                proposed ? "proposed schedule" : "the budget's schedule",
                result.schedule().skippedLayers(), result.schedulePerplexity(),
                100 * (result.schedulePerplexity() / result.fullPerplexity() - 1),
                100 * result.budget());
    }
}
