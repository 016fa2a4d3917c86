package io.exitstream.cli;

import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.checkpoint.SyntheticModels;
import io.exitstream.engine.model.LlamaWeights;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Where a command's weights come from: a checkpoint on disk or a synthetic shape in memory. */
final class ModelSource {

    // Optional: without --model or --shape the command runs the shipped model.
    @ArgGroup(exclusive = true, multiplicity = "0..1")
    private Choice choice;

    private static final class Choice {
        @Option(names = "--model", paramLabel = "PATH",
                description = "llama2.c .bin checkpoint or Hugging Face model directory"
                        + " (default: the shipped models/" + DefaultModel.NAME + ").")
        private Path model;

        @Option(names = "--shape", paramLabel = "SHAPE",
                description = "Random weights of a named shape (s15M, s42M, s110M) or "
                        + "dim=D,hidden=H,layers=L,heads=N[,kv_heads=K][,vocab=V][,seq=S].")
        private String shape;
    }

    @Option(names = "--seed-weights", defaultValue = "1", paramLabel = "SEED",
            description = "Seed of the random weights with --shape (default: ${DEFAULT-VALUE}).")
    private long weightSeed;

    LlamaWeights weights() {
        return isSynthetic()
                ? SyntheticModels.random(SyntheticModels.shape(choice.shape), weightSeed)
                : ModelFormat.load(path());
    }

    /** The checkpoint's path (the shipped model's if none was given), or null with --shape. */
    Path path() {
        return isSynthetic() ? null : DefaultModel.orDefault(choice == null ? null : choice.model);
    }

    String describe() {
        return isSynthetic() ? "synthetic " + choice.shape : path().toString();
    }

    private boolean isSynthetic() {
        return choice != null && choice.shape != null;
    }
}
