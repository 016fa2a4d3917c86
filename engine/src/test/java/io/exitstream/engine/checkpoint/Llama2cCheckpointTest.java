package io.exitstream.engine.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exitstream.engine.SharedFixtures;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cCheckpointTest {

    @TempDir
    Path dir;

    @Test
    void readsStories260K() {
        LlamaWeights w = Llama2cCheckpoint.read(SharedFixtures.stories260K());

        assertThat(w.config()).isEqualTo(ModelConfig.llama2c(64, 172, 5, 8, 4, 512, 512, true));
        assertThat(w.classifier()).isSameAs(w.tokenEmbedding());
        // Values read independently with numpy: the first ones of three tensors at different
        // offsets, so that any slip in the layout shows.
        assertThat(Arrays.copyOf(w.tokenEmbedding(), 3))
                .containsExactly(-0.29474878311157227f, 0.5618956089019775f, 0.1754225343465805f);
        assertThat(Arrays.copyOf(w.wq()[0], 2))
                .containsExactly(0.04439278692007065f, 0.07974770665168762f);
        assertThat(Arrays.copyOf(w.finalNorm(), 2))
                .containsExactly(2.4583089351654053f, 1.3673226833343506f);
    }

    @Test
    void rewritesStories260KByteForByte() throws IOException {
        Path original = SharedFixtures.stories260K();
        Path copy = dir.resolve("copy.bin");

        Llama2cCheckpoint.write(Llama2cCheckpoint.read(original), copy, original);

        assertThat(Files.readAllBytes(copy)).isEqualTo(Files.readAllBytes(original));
    }

    @Test
    void computedRopeTablesDifferFromStories260KsByAtMostOneUlp() throws IOException {
        Path original = SharedFixtures.stories260K();
        LlamaWeights w = Llama2cCheckpoint.read(original);
        byte[] stored = Files.readAllBytes(original);
        Path computed = dir.resolve("computed.bin");

        Llama2cCheckpoint.write(w, computed);

        byte[] written = Files.readAllBytes(computed);
        ModelConfig c = w.config();
        int tables = Llama2cCheckpoint.HEADER_BYTES + Float.BYTES * (int) c.parameterCount();
        int tablesEnd = tables + Float.BYTES * c.contextLength() * c.headSize();
        assertThat(written).hasSameSizeAs(stored);
        assertThat(Arrays.copyOf(written, tables)).isEqualTo(Arrays.copyOf(stored, tables));
        float[] expected = floats(stored, tables, tablesEnd);
        float[] actual = floats(written, tables, tablesEnd);
        int differing = 0;
        for (int i = 0; i < expected.length; i++) {
            assertThat(Math.abs(actual[i] - expected[i])).as("entry %d", i)
                    .isLessThanOrEqualTo(Math.ulp(expected[i]));
            differing += actual[i] == expected[i] ? 0 : 1;
        }
        // PyTorch's float32 sin/cos are not correctly rounded: about 5% differ in the last bit.
        assertThat(differing).isBetween(1, expected.length / 10);
    }

    @Test
    void roundTripsASeparateClassifierAndGroupedQueryAttention() {
        LlamaWeights w = TestModels.small();
        Path file = dir.resolve("small.bin");

        Llama2cCheckpoint.write(w, file);

        assertThat(header(file)[5]).as("vocab_size, negative for a separate classifier")
                .isEqualTo(-64);
        TestModels.assertBitIdentical(Llama2cCheckpoint.read(file), w);
    }

    @Test
    void rejectsATruncatedFile() throws IOException {
        Path file = smallFile();
        long size = Files.size(file);
        Files.write(file, Arrays.copyOf(Files.readAllBytes(file), (int) size - 100));

        assertThatThrownBy(() -> Llama2cCheckpoint.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("header says 2 layers of dim 32 (%,d bytes)", size)
                .hasMessageContaining("the file has %,d bytes", size - 100)
                .hasMessageContaining("truncated");
    }

    @Test
    void rejectsTrailingBytes() throws IOException {
        Path file = smallFile();
        Files.write(file, new byte[12], StandardOpenOption.APPEND);

        assertThatThrownBy(() -> Llama2cCheckpoint.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("12 bytes too many");
    }

    @Test
    void explainsAWrongClassifierSign() throws IOException {
        Path file = smallFile();
        rewriteHeaderField(file, 5, 64);

        assertThatThrownBy(() -> Llama2cCheckpoint.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("sign of vocab_size");
    }

    @Test
    void rejectsAGarbageHeader() throws IOException {
        Path file = dir.resolve("garbage.bin");
        byte[] bytes = new byte[4096];
        new SplittableRandom(3).nextBytes(bytes);
        bytes[0] = (byte) 0xff; // a negative dim, whatever the random bytes
        bytes[3] = (byte) 0xff;
        Files.write(file, bytes);

        assertThatThrownBy(() -> Llama2cCheckpoint.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("header field dim is -")
                .hasMessageContaining("not a llama2.c checkpoint");
    }

    @Test
    void rejectsAShapeThatIsNotAModel() throws IOException {
        Path file = smallFile();
        rewriteHeaderField(file, 3, 7);

        assertThatThrownBy(() -> Llama2cCheckpoint.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("dim 32 is not a multiple of the head count 7");
    }

    @Test
    void rejectsAFileShorterThanTheHeader() throws IOException {
        Path file = Files.write(dir.resolve("short.bin"), new byte[10]);

        assertThatThrownBy(() -> Llama2cCheckpoint.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("has 10 bytes, fewer than the 28-byte header");
    }

    @Test
    void namesTheUnsupportedNewerExportFormat() throws IOException {
        Path file = smallFile();
        rewriteHeaderField(file, 0, 0x616b3432);
        rewriteHeaderField(file, 1, 2);

        assertThatThrownBy(() -> Llama2cCheckpoint.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("version 2 export")
                .hasMessageContaining("--version 0");
    }

    @Test
    void reportsAMissingFile() {
        Path missing = dir.resolve("missing.bin");

        assertThatThrownBy(() -> Llama2cCheckpoint.read(missing))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(missing + ": file not found");
    }

    @Test
    void refusesToWriteWhatRunCWouldComputeDifferently() {
        ModelConfig c = TestModels.SMALL;
        ModelConfig llama3Theta = new ModelConfig(c.dim(), c.hiddenDim(), c.layers(), c.heads(),
                c.kvHeads(), c.vocabSize(), c.contextLength(), false, 1e-5f, 500000f);
        LlamaWeights w = SyntheticModels.random(llama3Theta, 1);

        assertThatThrownBy(() -> Llama2cCheckpoint.write(w, dir.resolve("x.bin")))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("rope_theta");
    }

    @Test
    void refusesRopeTablesOfAnotherShape() {
        Path file = smallFile();

        LlamaWeights longer = SyntheticModels.random(SyntheticModels.shape(
                "dim=32,hidden=48,layers=1,heads=4,vocab=64,seq=32"), 1);

        assertThatThrownBy(() -> Llama2cCheckpoint.write(longer, dir.resolve("x.bin"), file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("RoPE tables are for head size 8 and seq_len 16, but the"
                        + " model has head size 8 and seq_len 32");
    }

    private Path smallFile() {
        Path file = dir.resolve("small.bin");
        Llama2cCheckpoint.write(TestModels.small(), file);
        return file;
    }

    private static int[] header(Path file) {
        try {
            int[] fields = new int[7];
            ByteBuffer.wrap(Files.readAllBytes(file), 0, 28).order(ByteOrder.LITTLE_ENDIAN)
                    .asIntBuffer().get(fields);
            return fields;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void rewriteHeaderField(Path file, int field, int value) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(field * 4, value);
        Files.write(file, bytes);
    }

    private static float[] floats(byte[] bytes, int from, int to) {
        float[] values = new float[(to - from) / 4];
        ByteBuffer.wrap(bytes, from, to - from).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                .get(values);
        return values;
    }
}
