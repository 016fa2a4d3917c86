package io.exitstream.engine.exits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exitstream.engine.checkpoint.CheckpointException;
import io.exitstream.engine.checkpoint.NamedTensor;
import io.exitstream.engine.checkpoint.SafetensorsReader;
import io.exitstream.engine.checkpoint.SafetensorsWriter;
import io.exitstream.engine.checkpoint.TensorDType;
import io.exitstream.engine.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExitHeadsTest {

    private static final ModelConfig CONFIG = ModelConfig.llama2c(4, 8, 3, 2, 2, 16, 32, true);
    private static final ExitHead PLAIN = new ExitHead(0, new float[] {1f, -2f, 0.5f, 3e-6f},
            -1.5f);
    private static final ExitHead ADAPTED = new ExitHead(2, new float[] {0f, 1f, 2f, 3f}, 0.25f,
            2, new float[] {1, 2, 3, 4, 5, 6, 7, 8}, new float[] {-1, -2, -3, -4, -5, -6, -7, -8});

    @TempDir
    Path dir;

    @Test
    void roundTripsHeadsWithAndWithoutAdapters() {
        Path file = dir.resolve("m.exits.safetensors");
        ExitHeads heads = ExitHeads.of(ADAPTED, PLAIN);

        heads.write(file);
        ExitHeads read = ExitHeads.read(file);

        assertThat(read).isEqualTo(heads);
        assertThat(read.byLayer().keySet()).containsExactly(0, 2);
        assertThat(read.at(2).orElseThrow().up()).containsExactly(ADAPTED.up());
        assertThat(read.at(1)).isEmpty();
        read.validate(CONFIG);
        try (SafetensorsReader in = SafetensorsReader.open(file)) {
            assertThat(in.metadata()).containsEntry("format", ExitHeads.FORMAT);
            assertThat(in.names()).containsExactlyInAnyOrder("exit.0.confidence.weight",
                    "exit.0.confidence.bias", "exit.2.confidence.weight",
                    "exit.2.confidence.bias", "exit.2.adapter.down", "exit.2.adapter.up");
            assertThat(in.shape("exit.2.adapter.down")).containsExactly(2, 4);
            assertThat(in.shape("exit.2.adapter.up")).containsExactly(4, 2);
        }
    }

    @Test
    void headsLiveBesideALlama2cFileOrInsideAHuggingFaceDirectory() throws IOException {
        assertThat(ExitHeads.pathFor(dir.resolve("stories260K.bin")))
                .isEqualTo(dir.resolve("stories260K.exits.safetensors"));
        Path hf = Files.createDirectories(dir.resolve("hf"));
        assertThat(ExitHeads.pathFor(hf)).isEqualTo(hf.resolve("exit_heads.safetensors"));
    }

    @Test
    void headsThatDoNotFitTheModelAreRefusedInOneLine() {
        assertThatThrownBy(() -> ExitHeads.of(new ExitHead(3, new float[4], 0f)).validate(CONFIG))
                .isInstanceOf(CheckpointException.class)
                .hasMessage("exit head for layer 3 is outside the model's layers 0..2");
        assertThatThrownBy(() -> ExitHeads.of(new ExitHead(1, new float[5], 0f)).validate(CONFIG))
                .isInstanceOf(CheckpointException.class)
                .hasMessage("exit head for layer 1 reads width 5 but the model's width is 4");
        assertThatThrownBy(() -> ExitHeads.of(PLAIN, PLAIN))
                .hasMessage("two exit heads for layer 0");
        assertThatThrownBy(() -> new ExitHead(1, new float[4], 0f, 1, new float[4], new float[3]))
                .hasMessage("exit head 1: an adapter of rank 1 and width 4 needs 4 values in down"
                        + " and in up, got 4 and 3");
    }

    @Test
    void filesThatAreNotExitHeadsAreRefusedInOneLine() {
        Path model = dir.resolve("model.safetensors");
        SafetensorsWriter.writeFile(List.of(new NamedTensor("w", new long[] {1}, new float[1])),
                model, TensorDType.F32);
        assertThatThrownBy(() -> ExitHeads.read(model))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(model + " is not an exit-heads file (its format is pt, expected "
                        + ExitHeads.FORMAT + ")");

        Path noBias = dir.resolve("nobias.safetensors");
        SafetensorsWriter.writeFile(List.of(new NamedTensor("exit.1.confidence.weight",
                new long[] {4}, new float[4])), noBias, TensorDType.F32,
                Map.of("format", ExitHeads.FORMAT));
        assertThatThrownBy(() -> ExitHeads.read(noBias))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(noBias + ": no tensor named exit.1.confidence.bias");

        assertThatThrownBy(() -> ExitHeads.read(dir.resolve("missing.safetensors")))
                .isInstanceOf(CheckpointException.class)
                .hasMessageEndingWith("missing.safetensors: file not found");
    }
}
