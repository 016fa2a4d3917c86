package io.exitstream.engine.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exitstream.engine.model.LlamaWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFormatTest {

    @TempDir
    Path dir;

    @Test
    void loadsEitherFormatByWhatThePathIs() {
        LlamaWeights w = TestModels.small();
        Path bin = dir.resolve("model.bin");
        Path hf = dir.resolve("hf");
        Llama2cCheckpoint.write(w, bin);
        HuggingFaceCheckpoint.write(w, hf, TensorDType.F32);

        assertThat(ModelFormat.detect(bin)).isEqualTo(ModelFormat.LLAMA2C);
        assertThat(ModelFormat.detect(hf)).isEqualTo(ModelFormat.HUGGING_FACE);
        TestModels.assertBitIdentical(ModelFormat.load(bin), w);
        TestModels.assertBitIdentical(ModelFormat.load(hf), w);
    }

    @Test
    void reportsAMissingModel() {
        Path missing = dir.resolve("nope");

        assertThatThrownBy(() -> ModelFormat.load(missing))
                .isInstanceOf(CheckpointException.class)
                .hasMessage("model not found: " + missing);
    }

    @Test
    void rejectsAFileOrDirectoryOfAnotherKind() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.txt"), "these are not weights at all");
        Path empty = Files.createDirectory(dir.resolve("empty"));

        for (Path path : new Path[] {text, empty}) {
            assertThatThrownBy(() -> ModelFormat.load(path))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessage(path + " is neither a llama2.c .bin checkpoint, a GGUF file nor a"
                            + " Hugging Face model directory (config.json)");
        }
    }

    @Test
    void reportsADamagedCheckpointAsSuch() throws IOException {
        Path bin = dir.resolve("model.bin");
        Llama2cCheckpoint.write(TestModels.small(), bin);
        byte[] bytes = Files.readAllBytes(bin);
        Files.write(bin, Arrays.copyOf(bytes, bytes.length / 2));

        assertThatThrownBy(() -> ModelFormat.load(bin))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("truncated or not a llama2.c checkpoint");
    }
}
