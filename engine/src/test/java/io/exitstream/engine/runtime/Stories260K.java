package io.exitstream.engine.runtime;

import com.google.gson.JsonArray;
import io.exitstream.engine.SharedFixtures;
import io.exitstream.engine.checkpoint.HuggingFaceCheckpoint;
import io.exitstream.engine.checkpoint.Llama2cCheckpoint;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.checkpoint.TensorDType;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.tokenizer.Llama2cTokenizer;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import io.exitstream.engine.tokenizer.TokenizerJson;
import java.nio.file.Path;

/** The reference model as the tests load it: its own llama2.c file, or converted to HF. */
enum Stories260K {
    LLAMA2C,
    HUGGING_FACE;

    private static Path converted;
    private static LlamaModel model;

    LlamaWeights weights() {
        return ModelFormat.load(path());
    }

    /**
     * The llama2.c model in float32, loaded once for every test that only reads it (the JVM's
     * exit frees it).
     */
    static synchronized LlamaModel model() {
        if (model == null) {
            model = LlamaModel.load(LLAMA2C.weights());
        }
        return model;
    }

    Tokenizer tokenizer() {
        return TokenizerFiles.load(path(), null, 512);
    }

    Path path() {
        return this == LLAMA2C ? SharedFixtures.stories260K() : huggingFaceCopy();
    }

    /**
     * Converts once per test run, in fp32 (lossless), with the tokenizer as tokenizer.json, into
     * the build directory so that {@code mvn clean} removes it.
     */
    private static synchronized Path huggingFaceCopy() {
        if (converted == null) {
            Path dir = Path.of("target", "stories260K-hf");
            HuggingFaceCheckpoint.write(Llama2cCheckpoint.read(SharedFixtures.stories260K()),
                    dir, TensorDType.F32);
            TokenizerJson.write(Llama2cTokenizer.load(SharedFixtures.tok512(), 512),
                    dir.resolve("tokenizer.json"));
            converted = dir;
        }
        return converted;
    }

    /** The first {@code n} ids of a golden id array. */
    static int[] goldenPrefix(JsonArray golden, int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = golden.get(i).getAsInt();
        }
        return ids;
    }

    /** BOS then the first {@code n} golden greedy ids: a text the full model would write. */
    static int[] goldenText(int n) {
        int[] ids = goldenPrefix(SharedFixtures.golden().getAsJsonArray("greedy_ids"), n);
        int[] tokens = new int[n + 1];
        tokens[0] = 1;
        System.arraycopy(ids, 0, tokens, 1, n);
        return tokens;
    }
}
