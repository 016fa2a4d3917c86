package io.exitstream.cli;

import io.exitstream.compression.Corpus;
import io.exitstream.compression.ModelFiles;
import io.exitstream.compression.prune.ActivationStats;
import io.exitstream.compression.prune.Calibration;
import io.exitstream.compression.prune.Criterion;
import io.exitstream.compression.prune.PruneResult;
import io.exitstream.compression.prune.PruneTarget;
import io.exitstream.compression.prune.Pruner;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Prunes a model by one criterion and writes it as a Hugging Face directory with a
 * {@code pruning.json} report. Every argument is checked before calibration starts.
 */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Prune layers, attention heads, FFN neurons or single weights; write an HF"
                + " model directory.")
final class PruneCommand implements Callable<Integer> {

    static final String REPORT = "pruning.json";

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Mixin
    private TextModelOptions input;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Output directory (Hugging Face format).")
    private Path out;

    @Option(names = "--criterion", required = true, paramLabel = "NAME",
            description = "layers, angular, heads, ffn-wanda, ffn-magnitude, magnitude, wanda,"
                    + " 2:4-wanda or 2:4-magnitude.")
    private String criterion;

    @Option(names = "--ratio", paramLabel = "R",
            description = "Structured: fraction of parameters to remove; unstructured: sparsity.")
    private Double ratio;

    @Option(names = "--count", paramLabel = "N",
            description = "Structured: layers to remove, query heads to remove in all (with their"
                    + " key/value head: a multiple of the group size), or neurons to remove per"
                    + " layer.")
    private Integer count;

    @Mixin
    private CalibrationText calibration;

    @Mixin
    private ThreadsOption threads;

    @Override
    public Integer call() {
        PruneTarget target = validated();
        threads.apply();
        LlamaWeights weights = input.weights();
        try {
            target.amount(weights.config());
            input.seqLen(weights);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        ActivationStats stats = null;
        if (target.criterion().needsCalibration()) {
            Corpus corpus;
            try (LlamaModel model = LlamaModel.load(weights)) {
                corpus = calibration.corpus(input, weights, model);
            }
            stats = Calibration.collect(weights, corpus, new ConsoleProgress());
        }
        PruneResult result = Pruner.prune(weights, target, stats);
        ModelFiles.write(result.weights(), input.model, input.tokenizerPath(), out);
        ModelFiles.writeJson(result.report(), out.resolve(REPORT));
        System.err.printf("prune: %s removed %.1f%% of %d parameters; wrote %s%n",
                target.criterion(), 100 * result.report().get("removed_fraction").getAsDouble(),
                weights.config().parameterCount(), out);
        return 0;
    }

    /** The target, or a usage error naming what to change. */
    private PruneTarget validated() {
        try {
            PruneTarget target = new PruneTarget(Criterion.parse(criterion), ratio, count);
            calibration.check();
            if (!Files.exists(input.model)) {
                throw new IllegalArgumentException("model not found: " + input.model);
            }
            return target;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
