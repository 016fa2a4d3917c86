package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.ShippedModel;
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
    void anInfluenceSampleOutsideZeroToOneIsOneLineAndExitCode1(@TempDir Path tmp) {
        CliRun run = CliRun.of("serve", "--model", tmp.toString(), "--kafka", "127.0.0.1:9",
                "--influence-sample", "1.5");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().lines()).singleElement().asString()
                .isEqualTo("serve: the influence sample must be a fraction in [0, 1], got 1.5");
    }

    @Test
    void kafkaConfigWithoutKafkaOrUnreadableIsOneLineAndExitCode1(@TempDir Path tmp) {
        CliRun alone = CliRun.of("serve", "--model", tmp.toString(), "--kafka-config",
                tmp.resolve("client.properties").toString());
        assertThat(alone.exitCode()).isEqualTo(1);
        assertThat(alone.err().lines()).singleElement().asString()
                .isEqualTo("serve: --kafka-config needs --kafka");

        CliRun missing = CliRun.of("serve", "--model", tmp.toString(), "--kafka",
                "127.0.0.1:9", "--kafka-config", tmp.resolve("absent.properties").toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err().lines()).singleElement().asString()
                .startsWith("serve: cannot read the Kafka config file").contains("absent");
    }

    @Test
    void aKafkaSettingKafkaRefusesIsOneLineAndExitCode1(@TempDir Path tmp) throws Exception {
        Path config = Files.writeString(tmp.resolve("client.properties"), "buffer.memory=lots\n");
        CliRun run = CliRun.of("serve", "--model", ShippedModel.dir().toString(),
                "--port", "0", "--kafka", "127.0.0.1:9", "--kafka-config", config.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().lines().filter(line -> line.startsWith("serve: ")))
                .singleElement().asString()
                .startsWith("serve: Kafka client settings: ").contains("buffer.memory");
    }

    @Test
    void aPlanThatDoesNotFitTheModelIsOneLineAndExitCode1(@TempDir Path tmp)
            throws IOException {
        Path plan = Files.writeString(tmp.resolve("plan.json"),
                "{\"version\": 2, \"skipped_layers\": [9], \"exit\": {\"type\": \"none\"}}");

        CliRun run = CliRun.of("serve", "--model", ShippedModel.dir().toString(),
                "--plan", plan.toString(), "--port", "0");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().lines()).singleElement().asString()
                .startsWith("serve: ").contains("9");
    }
}
