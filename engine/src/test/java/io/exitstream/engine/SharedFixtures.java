package io.exitstream.engine;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The reference models and golden outputs in {@code ../shared}. A fresh clone has no
 * {@code ../shared}: tests that need it are skipped with a message saying so.
 */
public final class SharedFixtures {

    private SharedFixtures() {
    }

    public static Path shared() {
        Path dir = Path.of(System.getProperty("exitstream.shared", "../shared"));
        assumeTrue(Files.isDirectory(dir.resolve("models")),
                () -> "skipped: reference models not found at " + dir.toAbsolutePath()
                        + " (set -Dexitstream.shared=DIR)");
        return dir;
    }

    public static Path stories260K() {
        return shared().resolve("models/stories260K.bin");
    }

    public static Path tok512() {
        return shared().resolve("models/tok512.bin");
    }

    public static Path llama2Tokenizer() {
        return shared().resolve("models/tokenizer.bin");
    }

    public static JsonObject golden() {
        try {
            return JsonParser.parseString(
                    Files.readString(shared().resolve("golden/stories260K.json")))
                    .getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
