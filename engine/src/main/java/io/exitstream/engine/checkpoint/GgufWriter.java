package io.exitstream.engine.checkpoint;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF v3 files: metadata, then the tensor table, then the tensors, each at a multiple
 * of {@value GgufReader#DEFAULT_ALIGNMENT} bytes. Metadata values are typed by their Java
 * class: {@code String}, {@code Integer} (uint32, as llama.cpp's converter writes counts),
 * {@code Float}, {@code Boolean}, {@code int[]} (int32 array), {@code float[]} and
 * {@code String[]}.
 */
final class GgufWriter {

    /** A tensor and the type it is stored in. */
    record Entry(NamedTensor tensor, GgufType type) {
    }

    private GgufWriter() {
    }

    static void write(Path file, Map<String, Object> metadata, List<Entry> tensors) {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            ByteBuffer header = header(metadata, tensors);
            out.write(header.array(), 0, header.position());
            for (Entry entry : tensors) {
                float[] values = entry.tensor().values();
                ByteBuffer data = ByteBuffer.allocate(aligned(entry.type().bytes(values.length)))
                        .order(ByteOrder.LITTLE_ENDIAN);
                entry.type().encode(values, data);
                out.write(data.array());
            }
        } catch (IOException e) {
            throw new CheckpointException("cannot write " + file + ": "
                    + CheckpointFiles.reason(e), e);
        }
    }

    private static ByteBuffer header(Map<String, Object> metadata, List<Entry> tensors) {
        Buffer out = new Buffer();
        out.buffer.putInt(GgufReader.MAGIC).putInt(GgufReader.VERSION)
                .putLong(tensors.size()).putLong(metadata.size());
        metadata.forEach((key, value) -> {
            out.string(key);
            out.value(value);
        });
        long offset = 0;
        for (Entry entry : tensors) {
            long[] shape = entry.tensor().shape();
            if (shape[shape.length - 1] % entry.type().blockSize() != 0) {
                throw new IllegalArgumentException(entry.tensor().name() + "'s rows do not split"
                        + " into " + entry.type() + " blocks");
            }
            out.string(entry.tensor().name());
            out.ensure(8 * shape.length + 16);
            out.buffer.putInt(shape.length);
            for (int d = shape.length - 1; d >= 0; d--) {
                out.buffer.putLong(shape[d]);
            }
            out.buffer.putInt(entry.type().id()).putLong(offset);
            offset += aligned(entry.type().bytes(entry.tensor().values().length));
        }
        out.ensure(GgufReader.DEFAULT_ALIGNMENT);
        out.buffer.position((int) aligned(out.buffer.position()));
        return out.buffer;
    }

    private static int aligned(long bytes) {
        long a = GgufReader.DEFAULT_ALIGNMENT;
        return Math.toIntExact((bytes + a - 1) / a * a);
    }

    /** A growing little-endian buffer for the header. */
    private static final class Buffer {
        private ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        void ensure(int bytes) {
            if (buffer.remaining() < bytes) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2,
                        buffer.position() + bytes)).order(ByteOrder.LITTLE_ENDIAN);
                buffer.flip();
                bigger.put(buffer);
                buffer = bigger;
            }
        }

        void string(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            ensure(8 + bytes.length);
            buffer.putLong(bytes.length).put(bytes);
        }

        /** The value type, then the value. */
        void value(Object value) {
            ensure(16);
            if (value instanceof String s) {
                buffer.putInt(8);
                string(s);
            } else if (value instanceof Integer i) {
                buffer.putInt(4).putInt(i);
            } else if (value instanceof Float f) {
                buffer.putInt(6).putFloat(f);
            } else if (value instanceof Boolean b) {
                buffer.putInt(7).put((byte) (b ? 1 : 0));
            } else if (value instanceof int[] ints) {
                buffer.putInt(9).putInt(5).putLong(ints.length);
                ensure(4 * ints.length);
                for (int i : ints) {
                    buffer.putInt(i);
                }
            } else if (value instanceof float[] floats) {
                buffer.putInt(9).putInt(6).putLong(floats.length);
                ensure(4 * floats.length);
                for (float f : floats) {
                    buffer.putFloat(f);
                }
            } else if (value instanceof String[] strings) {
                buffer.putInt(9).putInt(8).putLong(strings.length);
                for (String s : strings) {
                    string(s);
                }
            } else {
                throw new IllegalArgumentException("no GGUF type for " + value.getClass());
            }
        }
    }
}
