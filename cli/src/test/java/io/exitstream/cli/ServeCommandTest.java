package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.SharedFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeCommandTest {

    @Test
    void aMissingModelIsOneLineAndExitCode1(@TempDir Path tmp) {
        CliRun run = CliRun.of("serve", "--model", tmp.resolve("absent.bin").toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().lines()).singleElement().asString()
                .startsWith("serve: ").contains("model not found");
    }

    @Test
    void aBadBatchSizeIsOneLineAndExitCode1(@TempDir Path tmp) {
        CliRun run = CliRun.of("serve", "--model", tmp.toString(), "--max-batch", "0");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("max batch must be positive");
    }

    @Test
    void aPlanThatDoesNotFitTheModelIsOneLineAndExitCode1(@TempDir Path tmp)
            throws IOException {
        Path plan = Files.writeString(tmp.resolve("plan.json"),
                "{\"version\": 2, \"skipped_layers\": [9], \"exit\": {\"type\": \"none\"}}");

        CliRun run = CliRun.of("serve", "--model", SharedFixtures.stories260K().toString(),
                "--plan", plan.toString(), "--port", "0");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().lines()).singleElement().asString()
                .startsWith("serve: ").contains("9");
    }
}
