package io.exitstream.engine;

import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The model the repository ships, {@code models/exitstream-stories-8L}: 8 layers of dim 128,
 * a 2048-token byte-level BPE, exit heads and certified plans beside it. Every checkout has it,
 * so tests that need a real trained model (rather than the reference outputs in
 * {@code ../shared}) use it and run on a fresh clone.
 */
public final class ShippedModel {

    public static final String NAME = "exitstream-stories-8L";

    private static LlamaWeights weights;

    private ShippedModel() {
    }

    /**
     * The model's directory, found from the working directory upwards: Maven runs each
     * module's tests in the module's folder, below the checkout's root.
     */
    public static Path dir() {
        Path start = Path.of("").toAbsolutePath();
        for (Path at = start; at != null; at = at.getParent()) {
            Path candidate = at.resolve("models").resolve(NAME);
            if (Files.isRegularFile(candidate.resolve("config.json"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("models/" + NAME + " not found above " + start);
    }

    /** The float32 weights, read once for every test that only reads them. */
    public static synchronized LlamaWeights weights() {
        if (weights == null) {
            weights = ModelFormat.load(dir());
        }
        return weights;
    }

    public static Tokenizer tokenizer() {
        return TokenizerFiles.load(dir(), null, weights().config().vocabSize());
    }

    /** One of the certified plans beside the model, e.g. {@code skip-0.95.json}. */
    public static Path plan(String file) {
        return dir().resolve("plans").resolve(file);
    }
}
