package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.model.ModelConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** exitstream prune: bad arguments stop it before any work; a pruned model serves. */
class PruneCommandTest {

    @TempDir
    Path tmp;

    @Test
    void badArgumentsAreOneLineUsageErrorsBeforeAnyWork() {
        String model = ShippedModel.dir().toString();
        ModelConfig c = ShippedModel.weights().config();
        String everyHead = String.valueOf(c.layers() * c.heads());
        String everyLayer = String.valueOf(c.layers());
        String out = tmp.resolve("out").toString();
        assertRejected("unknown criterion 'sparsegpt'", "--model", model, "--out", out,
                "--criterion", "sparsegpt", "--ratio", "0.5", "--self-generate", "4");
        assertRejected("--ratio must be in [0, 1), got 1.5", "--model", model, "--out", out,
                "--criterion", "wanda", "--ratio", "1.5", "--self-generate", "4");
        assertRejected("Missing required argument", "--model", model, "--out", out,
                "--criterion", "wanda", "--ratio", "0.5");
        assertRejected("would prune every head of a layer", "--model", model, "--out", out,
                "--criterion", "heads", "--count", everyHead, "--self-generate", "4");
        assertRejected("--count must be a multiple of " + c.groupSize(), "--model", model,
                "--out", out, "--criterion", "heads", "--count", "3", "--self-generate", "4");
        assertRejected("removing " + everyLayer + " of " + everyLayer + " layers leaves none",
                "--model", model, "--out", out, "--criterion", "layers", "--count", everyLayer,
                "--self-generate", "4");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void aLayerPrunedModelGeneratesText() {
        Path out = tmp.resolve("pruned");
        CliRun prune = CliRun.of("prune", "--model", ShippedModel.dir().toString(),
                "--out", out.toString(), "--criterion", "angular", "--count", "1",
                "--self-generate", "2", "--seq-len", "16");
        assertThat(prune.exitCode()).as(prune.err()).isZero();
        // One of its equal layers goes.
        ModelConfig c = ShippedModel.weights().config();
        assertThat(prune.err()).contains(String.format("prune: angular removed %.1f%% of %d"
                + " parameters", 100.0 * c.layerParameters(0) / c.parameterCount(),
                c.parameterCount()));
        assertThat(out.resolve("pruning.json")).exists();
        CliRun generate = CliRun.of("generate", "--model", out.toString(), "--prompt",
                "Lily went to the park", "-n", "10", "--temperature", "0");
        assertThat(generate.exitCode()).as(generate.err()).isZero();
        assertThat(generate.out()).startsWith("Lily went to the park");
    }

    private static void assertRejected(String message, String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "prune";
        System.arraycopy(args, 0, command, 1, args.length);
        CliRun run = CliRun.of(command);
        assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
        assertThat(run.err()).contains(message).doesNotContain("calibrate")
                .doesNotContain("\tat ");
        assertThat(run.err().strip().lines()).hasSize(1);
    }
}
