package io.exitstream.engine.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

    private static final float[] VALUES = {1f, -2.5f, 3.14159f, 1e-7f, 65504f, -0f};
    private static final List<NamedTensor> TENSORS = List.of(
            new NamedTensor("a", new long[] {2, 3}, VALUES),
            new NamedTensor("b.weight", new long[] {4}, new float[] {0.1f, 0.2f, 0.3f, 0.4f}),
            new NamedTensor("scalar", new long[] {}, new float[] {7f}));

    @TempDir
    Path dir;

    @Test
    void roundTripsFloat32Exactly() {
        Path file = dir.resolve("t.safetensors");

        SafetensorsWriter.writeFile(TENSORS, file, TensorDType.F32);

        try (SafetensorsReader in = SafetensorsReader.open(file)) {
            assertThat(in.names()).containsExactly("a", "b.weight", "scalar");
            assertThat(in.metadata()).isEqualTo(Map.of("format", "pt"));
            assertThat(in.read("a", 2, 3)).containsExactly(VALUES);
            assertThat(in.read("scalar")).containsExactly(7f);
        }
    }

    @Test
    void roundTripsHalvesAsTheirRoundedValues() {
        for (TensorDType dtype : List.of(TensorDType.F16, TensorDType.BF16)) {
            Path file = dir.resolve(dtype + ".safetensors");

            SafetensorsWriter.writeFile(TENSORS, file, dtype);

            float[] expected = new float[VALUES.length];
            for (int i = 0; i < VALUES.length; i++) {
                expected[i] = dtype == TensorDType.F16
                        ? HalfFloats.fp16ToFloat(HalfFloats.floatToFp16(VALUES[i]))
                        : HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(VALUES[i]));
            }
            try (SafetensorsReader in = SafetensorsReader.open(file)) {
                assertThat(in.read("a", 2, 3)).as("%s", dtype).containsExactly(expected);
            }
        }
    }

    @Test
    void writesTheReferenceLayout() throws IOException {
        Path file = dir.resolve("t.safetensors");

        SafetensorsWriter.writeFile(TENSORS, file, TensorDType.BF16);

        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = bytes.getLong(0);
        String header = new String(bytes.array(), 8, (int) headerLength, StandardCharsets.UTF_8);
        assertThat((8 + headerLength) % 8).isZero();
        assertThat(header).contains("\"a\":{\"dtype\":\"BF16\",\"shape\":[2,3],"
                + "\"data_offsets\":[0,12]}");
        assertThat(bytes.capacity()).isEqualTo(8 + headerLength + 2 * (6 + 4 + 1));
        // bf16 1.0 is 0x3f80, little-endian.
        assertThat(bytes.getShort((int) (8 + headerLength))).isEqualTo((short) 0x3f80);
    }

    @Test
    void shardsReadBackLikeOneFile() throws IOException {
        List<NamedTensor> tensors = IntStream.range(0, 7)
                .mapToObj(i -> new NamedTensor("t" + i, new long[] {100}, ramp(i * 1000, 100)))
                .toList();
        Path single = dir.resolve("single");
        Path sharded = dir.resolve("sharded");

        SafetensorsWriter.write(tensors, single, TensorDType.F32, Long.MAX_VALUE);
        SafetensorsWriter.write(tensors, sharded, TensorDType.F32, 1000);

        assertThat(single.resolve("model.safetensors")).exists();
        assertThat(sharded.resolve("model.safetensors")).doesNotExist();
        assertThat(sharded.resolve("model.safetensors.index.json")).exists();
        // 400 bytes per tensor, 1000 per shard: two tensors each, the last one alone.
        assertThat(sharded.resolve("model-00004-of-00004.safetensors")).exists();
        try (SafetensorsReader one = SafetensorsReader.open(single);
                SafetensorsReader many = SafetensorsReader.open(sharded)) {
            assertThat(many.names()).containsExactlyInAnyOrderElementsOf(one.names());
            for (String name : one.names()) {
                assertThat(many.read(name, 100)).containsExactly(one.read(name, 100));
            }
        }
        assertThat(Files.readString(sharded.resolve("model.safetensors.index.json")))
                .contains("\"total_size\": 2800")
                .contains("\"t6\": \"model-00004-of-00004.safetensors\"");
    }

    @Test
    void rewritingUnshardedRemovesAStaleIndex() {
        SafetensorsWriter.write(TENSORS, dir, TensorDType.F32, 8);
        SafetensorsWriter.write(TENSORS, dir, TensorDType.F32, Long.MAX_VALUE);

        assertThat(dir.resolve("model.safetensors.index.json")).doesNotExist();
    }

    @Test
    void rejectsAHeaderOverrunningTheFile() throws IOException {
        Path file = dir.resolve("t.safetensors");
        SafetensorsWriter.writeFile(TENSORS, file, TensorDType.F32);
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, bytes.length + 100);
        Files.write(file, bytes);

        assertThatThrownBy(() -> SafetensorsReader.open(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("header length %,d overruns the file", bytes.length + 100);
    }

    @Test
    void rejectsAGarbageHeaderLength() throws IOException {
        Path file = Files.write(dir.resolve("t.safetensors"), new byte[] {-1, -1, -1, -1, -1, -1,
            -1, 127, '{', '}'});

        assertThatThrownBy(() -> SafetensorsReader.open(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("is implausible: not a safetensors file");
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        Path file = dir.resolve("t.safetensors");
        SafetensorsWriter.writeFile(TENSORS, file, TensorDType.F32);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 4));

        assertThatThrownBy(() -> SafetensorsReader.open(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor scalar has data_offsets [40, 44] beyond the 40 data"
                        + " bytes in the file: truncated");
    }

    @Test
    void rejectsOffsetsThatDisagreeWithTheShape() throws IOException {
        Path file = raw("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);

        assertThatThrownBy(() -> SafetensorsReader.open(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor x of shape [3] in F32 needs 12 bytes but its"
                        + " data_offsets span 8");
    }

    @Test
    void rejectsAHeaderThatIsNotJson() throws IOException {
        Path file = raw("{\"x\": [", 0);

        assertThatThrownBy(() -> SafetensorsReader.open(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("header is not valid JSON");
    }

    @Test
    void namesAMissingTensorAndAWrongShape() {
        Path file = dir.resolve("t.safetensors");
        SafetensorsWriter.writeFile(TENSORS, file, TensorDType.F32);

        try (SafetensorsReader in = SafetensorsReader.open(file)) {
            assertThatThrownBy(() -> in.read("c", 2))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessage(file + ": no tensor named c");
            assertThatThrownBy(() -> in.read("a", 3, 2))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessage(file + ": tensor a has shape [2, 3], expected [3, 2]");
        }
    }

    @Test
    void refusesToWidenUnsupportedTypes() throws IOException {
        Path file = raw("{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);

        try (SafetensorsReader in = SafetensorsReader.open(file)) {
            assertThatThrownBy(() -> in.read("ids", 1))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("tensor ids has dtype I64; supported: [F32, F16, BF16]");
        }
    }

    @Test
    void checksTheIndexAgainstTheShards() throws IOException {
        SafetensorsWriter.write(TENSORS, dir, TensorDType.F32, 8);
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, Files.readString(index).replace("\"scalar\"", "\"gone\""));

        assertThatThrownBy(() -> SafetensorsReader.open(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("puts tensor gone in model-00003-of-00003.safetensors,"
                        + " which has no such tensor");
    }

    @Test
    void refusesShardsOutsideTheModelDirectory() throws IOException {
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"a\": \"../elsewhere.safetensors\"}}");

        assertThatThrownBy(() -> SafetensorsReader.open(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("not a file name beside the index");
    }

    @Test
    void saysWhatADirectoryLacks() {
        assertThatThrownBy(() -> SafetensorsReader.open(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(dir + " has neither model.safetensors nor"
                        + " model.safetensors.index.json");
    }

    private static float[] ramp(int start, int length) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = start + i;
        }
        return values;
    }

    /** A safetensors file with {@code header} and {@code dataBytes} zero bytes of data. */
    private Path raw(String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bytes = ByteBuffer.allocate(8 + json.length + dataBytes)
                .order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json);
        return Files.write(dir.resolve("raw.safetensors"), bytes.array());
    }
}
