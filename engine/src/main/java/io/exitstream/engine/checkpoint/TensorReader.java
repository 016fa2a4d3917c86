package io.exitstream.engine.checkpoint;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Positioned, chunked reads of little-endian tensors from one checkpoint file. Positioned reads
 * (rather than one mapping) handle files over 2 GB, and a file that shrinks under us gives a
 * {@link CheckpointException} instead of a fault in mapped memory.
 */
final class TensorReader implements Closeable {

    /** The most elements a Java array can hold on common JVMs. */
    static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;
    private static final int CHUNK_BYTES = 1 << 20;

    private final Path file;
    private final FileChannel channel;
    private final long size;
    private final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES)
            .order(ByteOrder.LITTLE_ENDIAN);

    private TensorReader(Path file, FileChannel channel, long size) {
        this.file = file;
        this.channel = channel;
        this.size = size;
    }

    /** Opens {@code file}, turning the usual I/O failures into one-line messages. */
    static TensorReader open(Path file) {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            return new TensorReader(file, channel, channel.size());
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + ": file not found", e);
        } catch (AccessDeniedException e) {
            throw new CheckpointException("cannot read " + file + ": permission denied", e);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    Path file() {
        return file;
    }

    long size() {
        return size;
    }

    /** Reads {@code length} bytes at {@code position} into a fresh little-endian buffer. */
    ByteBuffer bytes(long position, int length) {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        readFully(buffer, position);
        return buffer.flip();
    }

    /** Reads {@code count} elements of {@code dtype} at {@code position}, widened to float. */
    float[] floats(long position, long count, TensorDType dtype, String tensor) {
        if (count > MAX_ARRAY_LENGTH) {
            throw new CheckpointException(String.format(Locale.ROOT,
                    "%s: tensor %s has %,d values, more than a Java array can hold",
                    file, tensor, count));
        }
        float[] values = new float[(int) count];
        int perChunk = CHUNK_BYTES / dtype.bytes();
        for (int done = 0; done < values.length; done += perChunk) {
            int n = Math.min(perChunk, values.length - done);
            chunk.clear().limit(n * dtype.bytes());
            readFully(chunk, position + (long) done * dtype.bytes());
            dtype.decode(chunk.flip(), values, done, n);
        }
        return values;
    }

    private void readFully(ByteBuffer buffer, long position) {
        try {
            long at = position;
            while (buffer.hasRemaining()) {
                int read = channel.read(buffer, at);
                if (read < 0) {
                    throw new CheckpointException(file + ": unexpected end of file at byte " + at
                            + " (was it truncated while being read?)");
                }
                at += read;
            }
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new CheckpointException("cannot close " + file + ": " + e.getMessage(), e);
        }
    }
}
