package io.exitstream.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The model the repository ships ({@code models/exitstream-stories-8L}, see its model card),
 * served when no {@code --model} is given. The launcher names the checkout in the
 * {@code exitstream.home} property; without it the path is taken from the working directory.
 */
final class DefaultModel {

    static final String NAME = "exitstream-stories-8L";

    private DefaultModel() {
    }

    /** {@code given} when not null; otherwise the shipped model, which must exist. */
    static Path orDefault(Path given) {
        if (given != null) {
            return given;
        }
        String home = System.getProperty("exitstream.home");
        Path path = (home == null ? Path.of("models") : Path.of(home, "models")).resolve(NAME);
        if (!Files.isDirectory(path)) {
            throw new IllegalArgumentException("no --model given, and the default model " + path
                    + " is missing: pass --model PATH");
        }
        return path;
    }
}
