package io.exitstream.cli;

import io.exitstream.engine.checkpoint.HuggingFaceCheckpoint;
import io.exitstream.engine.checkpoint.Llama2cCheckpoint;
import io.exitstream.engine.checkpoint.SyntheticModels;
import io.exitstream.engine.checkpoint.TensorDType;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Writes a random-weight model of a Llama-2 shape, for benchmarks. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a random-weight model of a named or custom shape.")
final class SynthCommand implements Callable<Integer> {

    @Option(names = "--shape", required = true,
            description = "s15M, s42M, s110M or dim=D,hidden=H,layers=L,heads=N[,kv_heads=K]"
                    + "[,vocab=V][,seq=S].")
    private String shape;

    @Option(names = "--out", required = true, paramLabel = "PATH",
            description = "Output .bin file (llama2c) or directory (hf).")
    private Path out;

    @Option(names = "--format", defaultValue = "llama2c",
            description = "llama2c or hf (default: ${DEFAULT-VALUE}).")
    private Format format;

    @Option(names = "--dtype", defaultValue = "F32",
            description = "Weights in the hf format: F32, F16 or BF16 (default: ${DEFAULT-VALUE}).")
    private TensorDType dtype;

    @Option(names = "--seed", defaultValue = "1", description = "(default: ${DEFAULT-VALUE})")
    private long seed;

    @Override
    public Integer call() {
        ModelConfig config = SyntheticModels.shape(shape);
        LlamaWeights weights = SyntheticModels.random(config, seed);
        format.write(weights, out, dtype);
        System.err.printf("synth: wrote %s (%,d parameters) to %s%n", shape,
                config.parameterCount(), out);
        return 0;
    }

    /** The two checkpoint formats, as the CLI names them. */
    enum Format {
        llama2c, hf;

        void write(LlamaWeights weights, Path out, TensorDType dtype) {
            if (this == hf) {
                HuggingFaceCheckpoint.write(weights, out, dtype);
            } else if (dtype != TensorDType.F32) {
                throw new IllegalArgumentException("the llama2c format holds float32 only; use"
                        + " --format hf for " + dtype);
            } else {
                Llama2cCheckpoint.write(weights, out);
            }
        }
    }
}
