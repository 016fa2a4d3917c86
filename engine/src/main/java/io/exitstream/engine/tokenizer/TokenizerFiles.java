package io.exitstream.engine.tokenizer;

import io.exitstream.engine.checkpoint.CheckpointException;
import io.exitstream.engine.checkpoint.GgufReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Finds and loads the tokenizer that belongs to a model. */
public final class TokenizerFiles {

    private TokenizerFiles() {
    }

    /**
     * The tokenizer at {@code explicit} when given; otherwise {@code tokenizer.json} inside a
     * Hugging Face model directory, or {@code tok<vocab>.bin} or {@code tokenizer.bin} beside a
     * llama2.c checkpoint, or the metadata of a GGUF file. Its vocabulary must have the model's
     * size.
     */
    public static Tokenizer load(Path model, Path explicit, int vocabSize) {
        Path file = locate(model, explicit, vocabSize);
        Tokenizer tokenizer = isJson(file) ? HuggingFaceTokenizer.load(file)
                : GgufReader.hasMagic(file) ? ggufTokenizer(file)
                : Llama2cTokenizer.load(file, vocabSize);
        if (tokenizer.vocabSize() != vocabSize) {
            throw new CheckpointException(file + ": the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but the model's vocabulary has " + vocabSize);
        }
        return tokenizer;
    }

    private static Tokenizer ggufTokenizer(Path file) {
        try (GgufReader in = GgufReader.open(file)) {
            return GgufVocabulary.read(in).tokenizer(file);
        }
    }

    /** The tokenizer file {@link #load} would read; it exists. A GGUF model is its own. */
    public static Path locate(Path model, Path explicit, int vocabSize) {
        Path file = explicit != null ? explicit : find(model, vocabSize);
        if (Files.isDirectory(file)) {
            file = file.resolve("tokenizer.json");
        }
        if (!Files.exists(file)) {
            throw new CheckpointException("tokenizer not found: " + file);
        }
        return file;
    }

    /** Whether a located tokenizer is a Hugging Face {@code tokenizer.json}. */
    public static boolean isJson(Path tokenizer) {
        return tokenizer.getFileName().toString().endsWith(".json");
    }

    private static Path find(Path model, int vocabSize) {
        if (Files.isDirectory(model)) {
            return model.resolve("tokenizer.json");
        }
        if (GgufReader.hasMagic(model)) {
            return model;
        }
        Path dir = model.toAbsolutePath().getParent();
        List<Path> candidates = List.of(dir.resolve("tok" + vocabSize + ".bin"),
                dir.resolve("tokenizer.bin"));
        return candidates.stream().filter(Files::isRegularFile).findFirst()
                .orElseThrow(() -> new CheckpointException("no tokenizer beside " + model
                        + " (looked for " + candidates.get(0).getFileName() + " and "
                        + candidates.get(1).getFileName() + "); pass --tokenizer PATH"));
    }
}
