package io.exitstream.engine.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GGUF files of synthetic models: round trips, llama.cpp's layout, and refusals. */
class GgufCheckpointTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsFloat32BitForBitWithLlamaCppsMetadata() {
        LlamaWeights w = TestModels.small();
        Path file = write(w, GgufType.F32);

        TestModels.assertBitIdentical(GgufCheckpoint.read(file), w);
        assertThat(ModelFormat.detect(file)).isEqualTo(ModelFormat.GGUF);
        try (GgufReader in = GgufReader.open(file)) {
            Map<String, Object> m = in.metadata();
            assertThat(m.get("general.architecture")).isEqualTo("llama");
            assertThat(m.get("general.file_type")).isEqualTo(0L);
            assertThat(m.get("llama.embedding_length")).isEqualTo(32L);
            assertThat(m.get("llama.feed_forward_length")).isEqualTo(48L);
            assertThat(m.get("llama.block_count")).isEqualTo(2L);
            assertThat(m.get("llama.attention.head_count")).isEqualTo(4L);
            assertThat(m.get("llama.attention.head_count_kv")).isEqualTo(2L);
            assertThat(m.get("llama.context_length")).isEqualTo(16L);
            assertThat(m.get("llama.rope.dimension_count")).isEqualTo(8L);
            assertThat((double) m.get("llama.rope.freq_base")).isEqualTo(10000.0);
            assertThat((double) m.get("llama.attention.layer_norm_rms_epsilon"))
                    .isEqualTo((double) 1e-5f);
            // ggml's ne[0] is the fastest axis: [in, out] for a row-major [out, in] matrix.
            assertThat(in.shape("blk.1.ffn_down.weight")).containsExactly(32, 48);
            assertThat(in.names()).contains("output.weight", "blk.0.attn_q.weight");
        }
    }

    @Test
    void keepsQueryAndKeyRowsInMetasPairOrderAsLlamaCppDoes() {
        LlamaWeights w = TestModels.small();
        ModelConfig c = w.config();
        Path file = write(w, GgufType.F32);

        try (GgufReader in = GgufReader.open(file)) {
            assertThat(in.read("blk.1.attn_q.weight", c.dim(), c.dim())).isEqualTo(w.wq()[1]);
            assertThat(in.read("blk.1.attn_k.weight", c.kvDim(), c.dim())).isEqualTo(w.wk()[1]);
        }
    }

    @Test
    void aTiedModelHasNoOutputTensor() {
        ModelConfig tied = ModelConfig.llama2c(32, 64, 1, 4, 4, 64, 16, true);
        LlamaWeights w = SyntheticModels.random(tied, 7);
        Path file = write(w, GgufType.F32);

        LlamaWeights back = GgufCheckpoint.read(file);
        assertThat(back.classifier()).isSameAs(back.tokenEmbedding());
        try (GgufReader in = GgufReader.open(file)) {
            assertThat(in.names()).doesNotContain("output.weight");
        }
    }

    @Test
    void halvesAndQ8ZeroStayWithinTheirPrecision() {
        LlamaWeights w = TestModels.small();

        LlamaWeights f16 = GgufCheckpoint.read(write(w, GgufType.F16));
        LlamaWeights bf16 = GgufCheckpoint.read(write(w, GgufType.BF16));
        LlamaWeights q8 = GgufCheckpoint.read(write(w, GgufType.Q8_0));

        assertThat(TestModels.valuesOutside(f16, w, 0x1p-11, 0x1p-25)).isEmpty();
        assertThat(TestModels.valuesOutside(bf16, w, 0x1p-8, 0)).isEmpty();
        assertThat(q8ValuesOutsideHalfAStep(q8, w)).isEmpty();
        assertThat(TestModels.valuesOutside(q8, w, 0x1p-11, 0x1p-25)).as("quantized at all")
                .isNotEmpty();
    }

    /**
     * Q8_0 keeps each value within half a step of its block's scale (max |x| / 127), plus the
     * rounding of that scale to fp16; norms stay F32 and FFN rows of 48 (not a multiple of
     * 32) fall back to F16, both well inside the bound.
     */
    private static List<String> q8ValuesOutsideHalfAStep(LlamaWeights actual,
            LlamaWeights expected) {
        List<String> outside = new ArrayList<>();
        Map<String, float[]> reference = TestModels.tensors(expected);
        TestModels.tensors(actual).forEach((name, values) -> {
            float[] e = reference.get(name);
            for (int block = 0; block < values.length; block += 32) {
                double max = 0;
                int end = Math.min(values.length, block + 32);
                for (int i = block; i < end; i++) {
                    max = Math.max(max, Math.abs(e[i]));
                }
                double bound = max * (0.5 / 127 + 0x1p-11) + 0x1p-25;
                for (int i = block; i < end; i++) {
                    if (Math.abs((double) values[i] - e[i]) > bound) {
                        outside.add(name + "[" + i + "]: " + values[i] + " vs " + e[i]);
                    }
                }
            }
        });
        return outside;
    }

    @Test
    void alignsTensorDataTo32Bytes() throws IOException {
        Path file = write(TestModels.small(), GgufType.Q8_0);

        try (GgufReader in = GgufReader.open(file)) {
            assertThat(in.names()).hasSize(2 + 2 * 9 + 1);
        }
        // The file is the aligned header plus aligned tensors: its size is a multiple of 32.
        assertThat(Files.size(file) % 32).isZero();
    }

    @Test
    void refusesAFileWithoutGgufsMagic() throws IOException {
        Path file = Files.write(dir.resolve("model.gguf"), "GGML is older".getBytes());

        assertThatThrownBy(() -> GgufCheckpoint.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(file + " is not a GGUF file: it does not start with 'GGUF'");
    }

    @Test
    void refusesATruncatedFileInItsHeaderAndInItsTensors() throws IOException {
        byte[] bytes = Files.readAllBytes(write(TestModels.small(), GgufType.F32));
        Path header = Files.write(dir.resolve("header.gguf"), Arrays.copyOf(bytes, 200));
        Path data = Files.write(dir.resolve("data.gguf"),
                Arrays.copyOf(bytes, bytes.length - 100));

        assertThatThrownBy(() -> GgufCheckpoint.read(header))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(header + " is truncated: it ends inside its GGUF header");
        assertThatThrownBy(() -> GgufCheckpoint.read(data))
                .isInstanceOf(CheckpointException.class)
                .hasMessageStartingWith(data + " is truncated: tensor output.weight needs bytes");
    }

    @Test
    void refusesATensorTypeItDoesNotReadByName() throws IOException {
        Path file = write(TestModels.small(), GgufType.F32);
        byte[] bytes = Files.readAllBytes(file);
        // The tensor table entry: name, n_dims (uint32), ne (2 x uint64), then the type.
        int type = indexAfter(bytes, "blk.0.attn_v.weight") + 4 + 2 * 8;
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(type, 12);
        Files.write(file, bytes);

        assertThatThrownBy(() -> GgufCheckpoint.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(file + ": tensor blk.0.attn_v.weight is Q4_K, which the engine does"
                        + " not read (F32, F16, BF16 and Q8_0 only)");
    }

    @Test
    void refusesQwen2AndUnknownArchitecturesNamingThem() throws IOException {
        Path qwen = withArchitecture("qwen2");
        Path mamba = withArchitecture("mamba");

        assertThatThrownBy(() -> GgufCheckpoint.read(qwen))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(qwen + " is a qwen2 model, whose attention adds biases to q, k and v;"
                        + " the engine runs llama models only");
        assertThatThrownBy(() -> GgufCheckpoint.read(mamba))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(mamba + " has the architecture mamba; supported: llama");
    }

    /** The small model with {@code general.architecture} patched (same length as "llama"). */
    private Path withArchitecture(String architecture) throws IOException {
        Path file = write(TestModels.small(), GgufType.F32);
        byte[] bytes = Files.readAllBytes(file);
        // After the key: the value type (uint32) and the string's length (uint64).
        int value = indexAfter(bytes, "general.architecture") + 4 + 8;
        byte[] name = architecture.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, bytes, value, name.length);
        return Files.write(dir.resolve(architecture + ".gguf"), bytes);
    }

    private static int indexAfter(byte[] bytes, String text) {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + needle.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + needle.length, needle, 0, needle.length)) {
                return i + needle.length;
            }
        }
        throw new AssertionError(text + " not in the file");
    }

    private Path write(LlamaWeights w, GgufType type) {
        Path file = dir.resolve(type + ".gguf");
        GgufCheckpoint.write(w, file, type, "small", Map.of());
        return file;
    }
}
