package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
}
