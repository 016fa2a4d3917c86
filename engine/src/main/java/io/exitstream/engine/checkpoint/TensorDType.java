package io.exitstream.engine.checkpoint;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;

/**
 * The element types a checkpoint may store weights in. Weights are always widened to float32
 * on the heap; the narrower types only exist in files.
 */
public enum TensorDType {
    F32(4, "float32"),
    F16(2, "float16"),
    BF16(2, "bfloat16");

    private final int bytes;
    private final String torchName;

    TensorDType(int bytes, String torchName) {
        this.bytes = bytes;
        this.torchName = torchName;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The name in Hugging Face's {@code config.json} ({@code torch_dtype}). */
    public String torchName() {
        return torchName;
    }

    /** The type named {@code name} in a safetensors header ("F32", "F16", "BF16"), if known. */
    public static Optional<TensorDType> fromSafetensors(String name) {
        return Arrays.stream(values()).filter(t -> t.name().equals(name)).findFirst();
    }

    /** Widens {@code count} little-endian elements from {@code src} into {@code dst[offset..]}. */
    void decode(ByteBuffer src, float[] dst, int offset, int count) {
        if (this == F32) {
            src.asFloatBuffer().get(dst, offset, count);
            return;
        }
        // Bulk-copy the bits first: per-element reads from a direct buffer are much slower.
        short[] bits = new short[count];
        src.asShortBuffer().get(bits);
        if (this == F16) {
            for (int i = 0; i < count; i++) {
                dst[offset + i] = HalfFloats.fp16ToFloat(bits[i]);
            }
        } else {
            for (int i = 0; i < count; i++) {
                dst[offset + i] = HalfFloats.bf16ToFloat(bits[i]);
            }
        }
    }

    /** Narrows {@code src[offset..offset+count)} into {@code dst} at its position, advancing it. */
    void encode(float[] src, int offset, int count, ByteBuffer dst) {
        if (this == F32) {
            dst.asFloatBuffer().put(src, offset, count);
        } else {
            short[] bits = new short[count];
            for (int i = 0; i < count; i++) {
                float f = src[offset + i];
                bits[i] = this == F16 ? HalfFloats.floatToFp16(f) : HalfFloats.floatToBf16(f);
            }
            dst.asShortBuffer().put(bits);
        }
        dst.position(dst.position() + count * bytes);
    }
}
