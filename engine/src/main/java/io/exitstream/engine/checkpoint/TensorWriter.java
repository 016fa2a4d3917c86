package io.exitstream.engine.checkpoint;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Sequential, buffered little-endian writes of headers and tensors to one checkpoint file. */
final class TensorWriter implements Closeable {

    private static final int CHUNK_BYTES = 1 << 20;

    private final Path file;
    private final FileChannel channel;
    private final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES)
            .order(ByteOrder.LITTLE_ENDIAN);

    private TensorWriter(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Creates or truncates {@code file}, and the directories above it. */
    static TensorWriter create(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            CheckpointFiles.createDirectories(dir);
        }
        try {
            return new TensorWriter(file, FileChannel.open(file, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    void ints(int... values) {
        for (int value : values) {
            room(Integer.BYTES).putInt(value);
        }
    }

    void longs(long... values) {
        for (long value : values) {
            room(Long.BYTES).putLong(value);
        }
    }

    void bytes(byte[] values) {
        for (int done = 0; done < values.length; ) {
            int n = Math.min(values.length - done, room(1).remaining());
            chunk.put(values, done, n);
            done += n;
        }
    }

    /** Writes {@code values} narrowed to {@code dtype}. */
    void floats(float[] values, TensorDType dtype) {
        for (int done = 0; done < values.length; ) {
            int n = Math.min(values.length - done, room(dtype.bytes()).remaining() / dtype.bytes());
            dtype.encode(values, done, n, chunk);
            done += n;
        }
    }

    /** The chunk, flushed first if it has less than {@code bytes} free. */
    private ByteBuffer room(int bytes) {
        if (chunk.remaining() < bytes) {
            flush();
        }
        return chunk;
    }

    private void flush() {
        try {
            chunk.flip();
            while (chunk.hasRemaining()) {
                channel.write(chunk);
            }
            chunk.clear();
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    @Override
    public void close() {
        try (channel) {
            flush();
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    private static CheckpointException failure(Path file, IOException e) {
        return new CheckpointException(
                "cannot write " + file + ": " + CheckpointFiles.reason(e), e);
    }
}
