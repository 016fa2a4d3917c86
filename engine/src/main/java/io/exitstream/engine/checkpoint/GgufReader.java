package io.exitstream.engine.checkpoint;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A GGUF v3 file (llama.cpp's format) opened for reading: its metadata, read whole, and its
 * tensors, read one at a time from a memory map and widened to float32. Integers of any width
 * come back as {@code Long}, floats as {@code Double}, arrays as lists. Dimensions follow ggml:
 * {@code ne[0]} is the fastest axis, so a row-major {@code [out, in]} matrix is {@code ne =
 * [in, out]}. Every malformed file fails with one {@link CheckpointException} line.
 */
public final class GgufReader implements AutoCloseable {

    /** "GGUF" as a little-endian uint32. */
    static final int MAGIC = 0x46554747;
    static final int VERSION = 3;
    static final int DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT = "general.alignment";

    /** Where a tensor lies: {@code offset} is from the start of the data section. */
    private record TensorInfo(long[] ne, int type, long offset) {
    }

    private final Path file;
    private final FileChannel channel;
    private final Map<String, Object> metadata;
    private final Map<String, TensorInfo> tensors;
    private final long dataStart;

    private GgufReader(Path file, FileChannel channel, Map<String, Object> metadata,
            Map<String, TensorInfo> tensors, long dataStart) {
        this.file = file;
        this.channel = channel;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataStart = dataStart;
    }

    /** Whether {@code file} starts with GGUF's magic. */
    public static boolean hasMagic(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            return channel.read(head, 0) == 4 && head.getInt(0) == MAGIC;
        } catch (IOException e) {
            return false;
        }
    }

    /** Opens {@code file} and reads its header, metadata and tensor table. */
    public static GgufReader open(Path file) {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + ": file not found", e);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": "
                    + CheckpointFiles.reason(e), e);
        }
        try {
            long size = channel.size();
            ByteBuffer in = channel.map(FileChannel.MapMode.READ_ONLY, 0,
                    Math.min(size, Integer.MAX_VALUE)).order(ByteOrder.LITTLE_ENDIAN);
            return parse(file, channel, in, size);
        } catch (IOException e) {
            close(channel);
            throw new CheckpointException("cannot read " + file + ": "
                    + CheckpointFiles.reason(e), e);
        } catch (BufferUnderflowException e) {
            close(channel);
            throw new CheckpointException(file + " is truncated: it ends inside its GGUF header");
        } catch (RuntimeException e) {
            close(channel);
            throw e;
        }
    }

    private static GgufReader parse(Path file, FileChannel channel, ByteBuffer in, long size) {
        if (size < 4 || in.getInt() != MAGIC) {
            throw new CheckpointException(file + " is not a GGUF file: it does not start with"
                    + " 'GGUF'");
        }
        int version = in.getInt();
        if (version != VERSION) {
            throw new CheckpointException(file + " is GGUF version " + version + "; only version "
                    + VERSION + " is read");
        }
        long tensorCount = in.getLong();
        long keyCount = in.getLong();
        if (tensorCount < 0 || keyCount < 0 || tensorCount > size || keyCount > size) {
            throw new CheckpointException(file + " is corrupt: it claims " + tensorCount
                    + " tensors and " + keyCount + " metadata keys");
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long k = 0; k < keyCount; k++) {
            String key = string(file, in);
            metadata.put(key, value(file, in, in.getInt()));
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (long t = 0; t < tensorCount; t++) {
            String name = string(file, in);
            int dims = in.getInt();
            if (dims < 1 || dims > 4) {
                throw new CheckpointException(file + " is corrupt: tensor " + name + " has "
                        + dims + " dimensions");
            }
            long[] ne = new long[dims];
            for (int d = 0; d < dims; d++) {
                ne[d] = in.getLong();
            }
            tensors.put(name, new TensorInfo(ne, in.getInt(), in.getLong()));
        }
        long alignment = metadata.get(ALIGNMENT) instanceof Long a ? a : DEFAULT_ALIGNMENT;
        long dataStart = (in.position() + alignment - 1) / alignment * alignment;
        return new GgufReader(file, channel, Collections.unmodifiableMap(metadata), tensors,
                dataStart);
    }

    private static String string(Path file, ByteBuffer in) {
        long length = in.getLong();
        if (length < 0 || length > in.remaining()) {
            throw new CheckpointException(file + " is truncated or corrupt: a string of " + length
                    + " bytes at byte " + in.position() + " runs past the end");
        }
        byte[] bytes = new byte[(int) length];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A metadata value of GGUF value type {@code type} ({@code gguf_metadata_value_type}). */
    private static Object value(Path file, ByteBuffer in, int type) {
        return switch (type) {
            case 0 -> (long) Byte.toUnsignedInt(in.get());
            case 1 -> (long) in.get();
            case 2 -> (long) Short.toUnsignedInt(in.getShort());
            case 3 -> (long) in.getShort();
            case 4 -> Integer.toUnsignedLong(in.getInt());
            case 5 -> (long) in.getInt();
            case 6 -> (double) in.getFloat();
            case 7 -> in.get() != 0;
            case 8 -> string(file, in);
            case 9 -> array(file, in);
            case 10, 11 -> in.getLong();
            case 12 -> in.getDouble();
            default -> throw new CheckpointException(file + " is corrupt: unknown metadata value"
                    + " type " + type + " at byte " + in.position());
        };
    }

    private static List<Object> array(Path file, ByteBuffer in) {
        int type = in.getInt();
        long count = in.getLong();
        if (count < 0 || count > in.remaining()) {
            throw new CheckpointException(file + " is truncated or corrupt: an array of " + count
                    + " values at byte " + in.position() + " runs past the end");
        }
        List<Object> values = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            values.add(value(file, in, type));
        }
        return values;
    }

    public Path file() {
        return file;
    }

    /** Every metadata key with its value. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** The names of the tensors, in file order. */
    public Set<String> names() {
        return tensors.keySet();
    }

    /** The shape of tensor {@code name}, outermost first, or null when there is none. */
    public long[] shape(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            return null;
        }
        long[] shape = new long[info.ne().length];
        for (int d = 0; d < shape.length; d++) {
            shape[d] = info.ne()[shape.length - 1 - d];
        }
        return shape;
    }

    /** The string under {@code key}; it must be there. */
    public String string(String key) {
        return required(key, String.class);
    }

    /** The integer under {@code key}; it must be there. */
    public long integer(String key) {
        return required(key, Long.class);
    }

    /** The number under {@code key}, or {@code otherwise} when absent. */
    public double number(String key, double otherwise) {
        Object value = metadata.get(key);
        if (value == null) {
            return otherwise;
        }
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        throw wrongType(key, "a number");
    }

    /** The array under {@code key}; it must be there. */
    public List<?> array(String key) {
        return required(key, List.class);
    }

    private <T> T required(String key, Class<T> type) {
        Object value = metadata.get(key);
        if (value == null) {
            throw new CheckpointException(file + " lacks the metadata key " + key);
        }
        if (!type.isInstance(value)) {
            throw wrongType(key, type == Long.class ? "an integer" : "a " + type.getSimpleName());
        }
        return type.cast(value);
    }

    private CheckpointException wrongType(String key, String expected) {
        return new CheckpointException(file + ": metadata key " + key + " is not " + expected);
    }

    /**
     * Tensor {@code name} widened to float32, checked to have {@code shape} (outermost first, as
     * {@link NamedTensor} has it: the reverse of ggml's {@code ne}).
     */
    public float[] read(String name, long... shape) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new CheckpointException(file + " lacks the tensor " + name);
        }
        if (!Arrays.equals(shape(name), shape)) {
            throw new CheckpointException(file + ": tensor " + name + " has shape "
                    + Arrays.toString(shape(name)) + ", expected " + Arrays.toString(shape));
        }
        GgufType type = GgufType.fromId(info.type()).orElseThrow(() -> new CheckpointException(
                file + ": tensor " + name + " is " + GgufType.name(info.type())
                        + ", which the engine does not read (F32, F16, BF16 and Q8_0 only)"));
        long elements = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        if (info.ne()[0] % type.blockSize() != 0 || elements > Integer.MAX_VALUE - 8) {
            throw new CheckpointException(file + " is corrupt: tensor " + name + " of ne "
                    + Arrays.toString(info.ne()) + " cannot be " + type);
        }
        long bytes = type.bytes(elements);
        long start = dataStart + info.offset();
        try {
            if (info.offset() < 0 || start + bytes > channel.size()) {
                throw new CheckpointException(file + " is truncated: tensor " + name
                        + " needs bytes " + start + " to " + (start + bytes) + " but the file has "
                        + channel.size());
            }
            ByteBuffer data = channel.map(FileChannel.MapMode.READ_ONLY, start, bytes)
                    .order(ByteOrder.LITTLE_ENDIAN);
            float[] values = new float[(int) elements];
            type.decode(data, values);
            return values;
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": "
                    + CheckpointFiles.reason(e), e);
        }
    }

    @Override
    public void close() {
        close(channel);
    }

    private static void close(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // Read-only: nothing is lost when closing fails.
        }
    }
}
