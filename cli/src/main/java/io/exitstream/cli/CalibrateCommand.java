package io.exitstream.cli;

import com.google.gson.JsonParser;
import io.exitstream.compression.Corpus;
import io.exitstream.compression.ExitHeadTrainer;
import io.exitstream.compression.PlanEvaluator;
import io.exitstream.compression.ThresholdCalibration;
import io.exitstream.engine.exits.ExitHeads;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.LlamaModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Trains exit heads and certifies a confidence threshold: heads to
 * {@link ExitHeads#pathFor}, the plan beside them, a JSON report on stdout.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = "Train exit heads by distillation and choose the confidence threshold"
                + " whose greedy agreement with the full model is certified on held-out text"
                + " (Learn-then-Test). Writes the heads and a plan beside the model.")
final class CalibrateCommand implements Callable<Integer> {

    @Mixin
    private TextModelOptions input;

    @Mixin
    private CalibrationText text;

    @Option(names = "--agreement", defaultValue = "0.95",
            description = "Greedy agreement with the full model to certify"
                    + " (default: ${DEFAULT-VALUE}).")
    private double agreement;

    @Option(names = "--delta", defaultValue = "0.1",
            description = "Error level of the certificate: it holds with probability 1 - delta"
                    + " (default: ${DEFAULT-VALUE}).")
    private double delta;

    @Option(names = "--rank", defaultValue = "8",
            description = "Rank of each exit's low-rank adapter, 0 for none"
                    + " (default: ${DEFAULT-VALUE}).")
    private int rank;

    @Option(names = "--epochs", defaultValue = "4",
            description = "Training passes over the calibration text (default: ${DEFAULT-VALUE}).")
    private int epochs;

    @Option(names = "--learning-rate", defaultValue = "0.01",
            description = "Adam's step size (default: ${DEFAULT-VALUE}).")
    private float learningRate;

    @Option(names = "--held-out", defaultValue = "0.25",
            description = "Fraction of the sequences kept for calibrating the threshold"
                    + " (default: ${DEFAULT-VALUE}).")
    private double heldOut;

    @Option(names = "--min-exit-layer", defaultValue = "0",
            description = "No token exits before this layer (default: ${DEFAULT-VALUE}).")
    private int minExitLayer;

    @Option(names = "--out-plan", paramLabel = "PLAN_JSON",
            description = "Where to write the plan (default: beside the exit heads).")
    private Path outPlan;

    @Mixin
    private RuntimeOptions runtime;

    @Override
    public Integer call() {
        ThresholdCalibration.Target target = new ThresholdCalibration.Target(agreement, delta);
        ExitHeadTrainer.Options options = new ExitHeadTrainer.Options(rank, epochs, learningRate,
                text.seed);
        LlamaWeights weights = input.weights();
        int layers = weights.config().layers();
        if (minExitLayer < 0 || minExitLayer > layers - 2) {
            throw new IllegalArgumentException("--min-exit-layer must be in 0.." + (layers - 2)
                    + ", got " + minExitLayer);
        }
        text.check();
        ConsoleProgress progress = new ConsoleProgress();
        Map<String, Object> report = new LinkedHashMap<>();
        try (LlamaModel model = runtime.load(weights)) {
            Corpus corpus = text.corpus(input, weights, model);
            Corpus.Split split = corpus.split(heldOut);
            ExitHeadTrainer.Result trained = new ExitHeadTrainer(weights, options)
                    .train(model, split.train(), progress);
            Path headsFile = ExitHeads.pathFor(input.model);
            trained.heads().write(headsFile);
            System.err.println("wrote exit heads " + headsFile);
            model.useExitHeads(trained.heads());
            List<Integer> exitLayers = IntStream.range(minExitLayer, layers - 1).boxed().toList();
            ThresholdCalibration.Result calibration;
            try (PlanEvaluator evaluator = new PlanEvaluator(model, split.heldOut())) {
                calibration = ThresholdCalibration.calibrate(evaluator, weights.finalNorm(),
                        exitLayers, minExitLayer,
                        target, 1, progress);
            }
            report.put("model", input.model.toString());
            report.put("calibration", text.describe());
            report.put("train_tokens", split.train().predictions());
            report.put("held_out_tokens", split.heldOut().predictions());
            report.put("exit_heads", headsFile.toString());
            report.put("layers", layerStats(trained));
            report.put("tests", tests(calibration));
            if (calibration.plan() == null) {
                Json.print(report);
                throw new IllegalStateException("no threshold certifies agreement " + agreement
                        + " at delta " + delta + " on " + split.heldOut().predictions()
                        + " held-out tokens; calibrate on more text or lower --agreement");
            }
            Path planFile = outPlan != null ? outPlan : defaultPlanPath(headsFile);
            Json.writePlan(planFile, calibration.plan());
            report.put("plan_file", planFile.toString());
            report.put("plan", JsonParser.parseString(calibration.plan().toJson()));
        }
        Json.print(report);
        return 0;
    }

    /** {@code X.exits.safetensors} gives {@code X.exits.plan.json}, in the same folder. */
    static Path defaultPlanPath(Path headsFile) {
        String name = headsFile.getFileName().toString().replaceFirst("\\.safetensors$", "");
        return headsFile.resolveSibling(name + ".plan.json");
    }

    private static List<Object> layerStats(ExitHeadTrainer.Result trained) {
        List<Object> out = new ArrayList<>();
        for (ExitHeadTrainer.LayerStats s : trained.stats()) {
            Map<String, Object> layer = new LinkedHashMap<>();
            layer.put("layer", s.layer());
            layer.put("kl", Json.round(s.kl()));
            layer.put("train_agreement", Json.round(s.agreement()));
            layer.put("classifier_accuracy", Json.round(s.classifierAccuracy()));
            out.add(layer);
        }
        return out;
    }

    private static List<Object> tests(ThresholdCalibration.Result calibration) {
        List<Object> out = new ArrayList<>();
        for (ThresholdCalibration.Test t : calibration.tests()) {
            Map<String, Object> test = new LinkedHashMap<>();
            test.put("threshold", t.threshold());
            test.put("agreement", Json.round(t.quality().agreement()));
            test.put("mean_layers", Json.round(t.quality().meanLayers()));
            test.put("p_value", Json.round(t.pValue()));
            test.put("passed", t.passed());
            out.add(test);
        }
        return out;
    }
}
