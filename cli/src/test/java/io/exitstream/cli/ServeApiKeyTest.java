package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve --api-key / --api-key-file}: mistakes are one line that never shows the key. */
class ServeApiKeyTest {

    @Test
    void anUnreadableOrEmptyKeyFileIsOneLineAndExitCode1(@TempDir Path tmp) throws Exception {
        CliRun absent = CliRun.of("serve", "--model", tmp.toString(), "--port", "0",
                "--api-key-file", tmp.resolve("absent").toString());
        assertThat(absent.exitCode()).isEqualTo(1);
        assertThat(absent.err().lines()).singleElement().asString()
                .startsWith("serve: cannot read the API key file");

        Path empty = Files.writeString(tmp.resolve("empty"), "\n");
        CliRun blank = CliRun.of("serve", "--model", tmp.toString(), "--port", "0",
                "--api-key-file", empty.toString());
        assertThat(blank.err().lines()).singleElement().asString().contains("is empty");
    }

    @Test
    void bothKeyOptionsAreOneLineThatDoesNotShowTheKey(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("key"), "sk-file\n");
        CliRun run = CliRun.of("serve", "--model", tmp.toString(), "--port", "0",
                "--api-key", "sk-secret-42", "--api-key-file", file.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().lines()).singleElement().asString()
                .isEqualTo("serve: give --api-key or --api-key-file, not both");
        assertThat(run.err() + run.out()).doesNotContain("sk-secret-42");
    }
}
