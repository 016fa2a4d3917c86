package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.compression.ModelFiles;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.model.LlamaWeights;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model the repository ships, and what serving does without --model. */
class DefaultModelTest {

    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();

    @AfterEach
    void forgetHome() {
        System.clearProperty("exitstream.home");
    }

    @Test
    void theShippedModelLoadsHasEightLayersAndFitsInGit() {
        System.setProperty("exitstream.home", HOME.toString());
        Path model = DefaultModel.orDefault(null);
        assertThat(model).isEqualTo(HOME.resolve("models").resolve(DefaultModel.NAME));
        LlamaWeights weights = ModelFormat.load(model);
        assertThat(weights.config().layers()).isGreaterThanOrEqualTo(8);
        assertThat(weights.config().vocabSize()).isLessThanOrEqualTo(2048);
        assertThat(ModelFiles.sizeOnDisk(model)).isLessThan(15L * 1024 * 1024);
        assertThat(model.resolve("README.md")).isRegularFile();
    }

    @Test
    void serveWithoutAModelNamesTheMissingDefaultOnOneLine(@TempDir Path elsewhere) {
        System.setProperty("exitstream.home", elsewhere.toString());
        CliRun run = CliRun.of("serve", "--port", "0");
        assertThat(run.exitCode()).isEqualTo(OneLineErrors.FAILED);
        assertThat(run.err().strip()).doesNotContain("\n")
                .contains("no --model given, and the default model")
                .contains("pass --model PATH");
    }
}
