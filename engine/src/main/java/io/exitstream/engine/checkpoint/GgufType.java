package io.exitstream.engine.checkpoint;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * The ggml tensor types a GGUF file may hold that the engine reads: F32, F16, BF16 and Q8_0, all
 * widened to float32 on the heap. Q8_0 stores blocks of 32 values as an fp16 scale {@code d}
 * and 32 signed bytes {@code q}, value {@code d * q}. Other types are known by name only, so that
 * a refusal can say which one a file uses.
 */
public enum GgufType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q8_0(8, 32, 34),
    BF16(30, 1, 2);

    /** ggml's ids of the types we do not read, for messages (ggml.h, {@code enum ggml_type}). */
    private static final Map<Integer, String> OTHERS = Map.ofEntries(
            Map.entry(2, "Q4_0"), Map.entry(3, "Q4_1"), Map.entry(6, "Q5_0"),
            Map.entry(7, "Q5_1"), Map.entry(9, "Q8_1"), Map.entry(10, "Q2_K"),
            Map.entry(11, "Q3_K"), Map.entry(12, "Q4_K"), Map.entry(13, "Q5_K"),
            Map.entry(14, "Q6_K"), Map.entry(15, "Q8_K"), Map.entry(16, "IQ2_XXS"),
            Map.entry(17, "IQ2_XS"), Map.entry(18, "IQ3_XXS"), Map.entry(19, "IQ1_S"),
            Map.entry(20, "IQ4_NL"), Map.entry(21, "IQ3_S"), Map.entry(22, "IQ2_S"),
            Map.entry(23, "IQ4_XS"), Map.entry(24, "I8"), Map.entry(25, "I16"),
            Map.entry(26, "I32"), Map.entry(27, "I64"), Map.entry(28, "F64"),
            Map.entry(29, "IQ1_M"), Map.entry(34, "TQ1_0"), Map.entry(35, "TQ2_0"),
            Map.entry(39, "MXFP4"));

    private final int id;
    private final int blockSize;
    private final int blockBytes;

    GgufType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** ggml's number for this type. */
    public int id() {
        return id;
    }

    /** Values per block: each row's length must be a multiple of it. */
    public int blockSize() {
        return blockSize;
    }

    /** The type numbered {@code id}, if the engine reads it. */
    static Optional<GgufType> fromId(int id) {
        return Arrays.stream(values()).filter(t -> t.id == id).findFirst();
    }

    /** ggml's name for type {@code id}, e.g. {@code Q4_K}. */
    static String name(int id) {
        return fromId(id).map(Enum::name).orElse(OTHERS.getOrDefault(id, "type " + id));
    }

    /** Bytes that {@code elements} values take; {@code elements} is a multiple of the block. */
    long bytes(long elements) {
        return elements / blockSize * blockBytes;
    }

    /** Widens {@code dst.length} values stored in this type from {@code src}. */
    void decode(ByteBuffer src, float[] dst) {
        switch (this) {
            case F32 -> TensorDType.F32.decode(src, dst, 0, dst.length);
            case F16 -> TensorDType.F16.decode(src, dst, 0, dst.length);
            case BF16 -> TensorDType.BF16.decode(src, dst, 0, dst.length);
            case Q8_0 -> {
                for (int block = 0; block < dst.length; block += blockSize) {
                    int at = block / blockSize * blockBytes;
                    float scale = HalfFloats.fp16ToFloat(src.getShort(at));
                    for (int i = 0; i < blockSize; i++) {
                        dst[block + i] = scale * src.get(at + 2 + i);
                    }
                }
            }
            default -> throw new AssertionError(this);
        }
    }

    /**
     * Narrows {@code src} into {@code dst} at its position, advancing it. Q8_0 rounds as ggml's
     * reference {@code quantize_row_q8_0_ref}: scale = max |x| / 127, each value to the nearest
     * multiple, halves away from zero.
     */
    void encode(float[] src, ByteBuffer dst) {
        switch (this) {
            case F32 -> TensorDType.F32.encode(src, 0, src.length, dst);
            case F16 -> TensorDType.F16.encode(src, 0, src.length, dst);
            case BF16 -> TensorDType.BF16.encode(src, 0, src.length, dst);
            case Q8_0 -> {
                for (int block = 0; block < src.length; block += blockSize) {
                    float max = 0;
                    for (int i = 0; i < blockSize; i++) {
                        max = Math.max(max, Math.abs(src[block + i]));
                    }
                    float scale = max / 127;
                    float inverse = scale == 0 ? 0 : 1 / scale;
                    dst.putShort(HalfFloats.floatToFp16(scale));
                    for (int i = 0; i < blockSize; i++) {
                        float x = src[block + i] * inverse;
                        dst.put((byte) (x < 0 ? -Math.round(-x) : Math.round(x)));
                    }
                }
            }
            default -> throw new AssertionError(this);
        }
    }
}
