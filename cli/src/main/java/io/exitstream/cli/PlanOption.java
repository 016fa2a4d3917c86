package io.exitstream.cli;

import io.exitstream.engine.exits.ExitHeads;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import io.exitstream.engine.runtime.LlamaModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * The execution plan a command runs the model with (which layers it skips, how tokens exit),
 * and the exit heads a confidence plan exits through.
 */
final class PlanOption {

    @Option(names = "--plan", paramLabel = "PLAN_JSON",
            description = "Execution plan: skipped layers and exit policy (default: full model).")
    private Path planFile;

    @Option(names = "--exit-heads", paramLabel = "PATH",
            description = "Exit heads for a confidence plan (default: beside the model,"
                    + " X.exits.safetensors for X.bin, exit_heads.safetensors in a directory).")
    private Path exitHeadsFile;

    /** Whether --plan was given. */
    boolean given() {
        return planFile != null;
    }

    /**
     * The plan from --plan validated against the model, or the full model's. A confidence plan
     * also gives the model its exit heads, from --exit-heads or found beside {@code modelPath}
     * (null for a model with no file).
     */
    ExecutionPlan plan(LlamaModel model, Path modelPath) {
        ExecutionPlan plan = plan(model.config());
        if (!(plan.exit() instanceof ExitPolicy.Confidence)) {
            // The re-scheduler may publish confidence exits later; they run on these heads.
            useHeadsBeside(model, modelPath);
        } else {
            Path heads = exitHeadsFile != null ? exitHeadsFile
                    : modelPath != null ? ExitHeads.pathFor(modelPath) : null;
            if (heads == null || !Files.exists(heads)) {
                throw new IllegalArgumentException(planFile + " has confidence exits, which need"
                        + " exit heads: " + (heads == null ? "pass --exit-heads"
                        : heads + " not found (make it with exitstream calibrate or pass"
                        + " --exit-heads)"));
            }
            model.useExitHeads(ExitHeads.read(heads));
        }
        return plan;
    }

    /**
     * Gives {@code model} the exit heads kept beside {@code modelPath} ({@link
     * ExitHeads#pathFor}), if there are any, so that confidence exits can run on it.
     */
    static void useHeadsBeside(LlamaModel model, Path modelPath) {
        Path heads = modelPath == null ? null : ExitHeads.pathFor(modelPath);
        if (heads != null && Files.exists(heads)) {
            model.useExitHeads(ExitHeads.read(heads));
        }
    }

    /**
     * Loads weights as {@code runtime} says and gives the model the exit heads this plan needs,
     * so that a server can load its model later, on its own thread.
     */
    Function<LlamaWeights, LlamaModel> loader(RuntimeOptions runtime, Path modelPath) {
        return weights -> {
            LlamaModel loaded = runtime.load(weights);
            plan(loaded, modelPath);
            return loaded;
        };
    }

    /**
     * The plan from --plan validated against the model's shape, or the full model's; its exit
     * heads are not loaded (see {@link #plan(LlamaModel, Path)}).
     */
    ExecutionPlan plan(ModelConfig config) {
        if (planFile == null) {
            return ExecutionPlan.full();
        }
        try {
            return ExecutionPlan.parse(Files.readString(planFile), config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(planFile + ": " + e.getMessage(), e);
        }
    }
}
