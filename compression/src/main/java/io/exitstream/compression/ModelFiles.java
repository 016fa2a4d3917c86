package io.exitstream.compression;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import io.exitstream.engine.checkpoint.HuggingFaceCheckpoint;
import io.exitstream.engine.checkpoint.TensorDType;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.tokenizer.GgufVocabulary;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a compressed model as a Hugging Face directory the engine and the server load like any
 * other: {@code config.json}, {@code model.safetensors} (float32, lossless),
 * {@code tokenizer.json}, and optionally a JSON report of how it was made.
 */
public final class ModelFiles {

    private ModelFiles() {
    }

    /**
     * Writes {@code weights} to directory {@code out} with the tokenizer found for
     * {@code sourceModel} (or {@code tokenizer} when given), converted to {@code tokenizer.json}.
     */
    public static void write(LlamaWeights weights, Path sourceModel, Path tokenizer, Path out) {
        write(weights, sourceModel, tokenizer, out, TensorDType.F32);
    }

    /**
     * Writes {@code weights} as {@code dtype} to directory {@code out} with the tokenizer found
     * for {@code sourceModel} (or {@code tokenizer} when given) as {@code tokenizer.json}: a
     * tokenizer.json is copied, a llama2.c tokenizer.bin or a GGUF file's tokenizer converted.
     * config.json then names the tokenizer's own BOS and EOS ids.
     */
    public static void write(LlamaWeights weights, Path sourceModel, Path tokenizer, Path out,
            TensorDType dtype) {
        int vocab = weights.config().vocabSize();
        Path source = TokenizerFiles.locate(sourceModel, tokenizer, vocab);
        HuggingFaceCheckpoint.write(weights, out, dtype);
        Path target = out.resolve("tokenizer.json");
        if (TokenizerFiles.isJson(source)) {
            copy(source, target);
        } else {
            GgufVocabulary.of(source, vocab).writeTokenizerJson(source, target);
        }
        Tokenizer written = TokenizerFiles.load(sourceModel, tokenizer, vocab);
        HuggingFaceCheckpoint.writeSpecialTokens(out, written.bosId(), written.eosIds());
    }

    /** Writes {@code json} to {@code file}, pretty-printed. */
    public static void writeJson(JsonObject json, Path file) {
        try {
            Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(json)
                    + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bytes of every file under {@code dir}, or of {@code dir} when it is a file. */
    public static long sizeOnDisk(Path dir) {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(Path from, Path to) {
        try {
            if (!from.toAbsolutePath().equals(to.toAbsolutePath())) {
                Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
