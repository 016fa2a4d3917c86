package io.exitstream.cli;

import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.checkpoint.SyntheticModels;
import io.exitstream.engine.model.LlamaWeights;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Where a command's weights come from: a checkpoint on disk or a synthetic shape in memory. */
final class ModelSource {

    // Optional to the parser so that `bench serve` and `bench telemetry` parse without bench's
    // own model; commands that need one check given().
    @ArgGroup(exclusive = true, multiplicity = "0..1")
    private Choice choice;

    private static final class Choice {
        @Option(names = "--model", paramLabel = "PATH",
                description = "llama2.c .bin checkpoint or Hugging Face model directory.")
        private Path model;

        @Option(names = "--shape", paramLabel = "SHAPE",
                description = "Random weights of a named shape (s15M, s42M, s110M) or "
                        + "dim=D,hidden=H,layers=L,heads=N[,kv_heads=K][,vocab=V][,seq=S].")
        private String shape;
    }

    @Option(names = "--seed-weights", defaultValue = "1", paramLabel = "SEED",
            description = "Seed of the random weights with --shape (default: ${DEFAULT-VALUE}).")
    private long weightSeed;

    /** Whether --model or --shape was given. */
    boolean given() {
        return choice != null;
    }

    LlamaWeights weights() {
        return choice.model != null
                ? ModelFormat.load(choice.model)
                : SyntheticModels.random(SyntheticModels.shape(choice.shape), weightSeed);
    }

    /** The checkpoint's path, or null for synthetic weights. */
    Path path() {
        return choice.model;
    }

    String describe() {
        return choice.model != null ? choice.model.toString() : "synthetic " + choice.shape;
    }
}
