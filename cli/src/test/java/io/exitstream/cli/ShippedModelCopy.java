package io.exitstream.cli;

import io.exitstream.engine.ShippedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A copy of the shipped model's weights and tokenizer, without its exit heads and plans: for
 * commands that write beside the model, which must never write into the repository's own.
 */
final class ShippedModelCopy {

    private ShippedModelCopy() {
    }

    /** Copies {@code config.json}, {@code model.safetensors} and {@code tokenizer.json}. */
    static Path into(Path dir) {
        try {
            Files.createDirectories(dir);
            for (String file : new String[] {"config.json", "model.safetensors",
                "tokenizer.json"}) {
                Files.copy(ShippedModel.dir().resolve(file), dir.resolve(file));
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
