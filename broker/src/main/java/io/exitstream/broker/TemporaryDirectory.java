package io.exitstream.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A directory under {@code java.io.tmpdir} that holds one run's data (an in-process broker's
 * logs, a Kafka Streams application's state) and is deleted, with everything in it, on close:
 * a process that starts afresh each time should leave nothing behind.
 */
public final class TemporaryDirectory implements AutoCloseable {

    private final Path path;

    private TemporaryDirectory(Path path) {
        this.path = path;
    }

    /** Makes a new, empty directory whose name starts with {@code prefix}. */
    public static TemporaryDirectory create(String prefix) {
        try {
            return new TemporaryDirectory(Files.createTempDirectory(prefix).toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory: "
                    + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    /** Deletes the directory and its contents; what cannot be deleted is left for the OS. */
    @Override
    public void close() {
        try (Stream<Path> paths = Files.walk(path)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Already gone, or unreadable: nothing more to do for a temporary directory.
        }
    }
}
