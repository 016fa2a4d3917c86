package io.exitstream.cli;

import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;
import io.exitstream.engine.runtime.WeightType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How a command runs the model: device weight type, PyTorch threads, execution plan. */
final class RuntimeOptions {

    @Option(names = "--weights", defaultValue = "float32", paramLabel = "TYPE",
            converter = WeightTypeConverter.class,
            description = "Device weights: float32 (exact) or bfloat16 (faster, most of all in"
                    + " batches) (default: ${DEFAULT-VALUE}).")
    private WeightType weights;

    @Option(names = "--threads", description = "PyTorch intra-op threads (default: all cores).")
    private Integer threads;

    @Option(names = "--plan", paramLabel = "PLAN_JSON",
            description = "Execution plan: skipped layers and exit policy (default: full model).")
    private Path planFile;

    /** Applies the thread count, then loads the weights onto the device. */
    LlamaModel load(LlamaWeights host) {
        if (threads != null) {
            Torch.setThreads(threads);
        }
        return LlamaModel.load(host, weights);
    }

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

    String weightName() {
        return WeightTypeConverter.name(weights);
    }
}
