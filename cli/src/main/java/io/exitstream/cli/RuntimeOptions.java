package io.exitstream.cli;

import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.CpuFeatures;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;
import io.exitstream.engine.runtime.WeightType;
import picocli.CommandLine.Option;

/** How a command runs the model: weight type on the device and PyTorch threads. */
final class RuntimeOptions {

    @Option(names = "--weights", defaultValue = "float32", paramLabel = "TYPE",
            converter = WeightTypeConverter.class,
            description = "Device weights: float32 (exact) or bfloat16 (faster, most of all in"
                    + " batches) (default: ${DEFAULT-VALUE}).")
    private WeightType weights;

    @Option(names = "--threads", description = "PyTorch intra-op threads (default: all cores).")
    private Integer threads;

    /** Applies the thread count, then loads the weights onto the device. */
    LlamaModel load(LlamaWeights host) {
        if (threads != null) {
            Torch.setThreads(threads);
        }
        return LlamaModel.load(host, weights);
    }

    /**
     * Refuses, before anything starts, weights this CPU cannot run: one line naming the missing
     * instructions instead of a server whose model never loads.
     */
    void requireCpuSupport() {
        if (weights == WeightType.BFLOAT16) {
            CpuFeatures.host().requireBfloat16("--weights bfloat16");
        }
    }

    String weightName() {
        return WeightTypeConverter.name(weights);
    }
}
