package io.exitstream.cli;

import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.plan.ExecutionPlan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The execution plan a command runs the model with: which layers it skips, how tokens exit. */
final class PlanOption {

    @Option(names = "--plan", paramLabel = "PLAN_JSON",
            description = "Execution plan: skipped layers and exit policy (default: full model).")
    private Path planFile;

    /** The plan from --plan, validated against the model, or the full model's. */
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
