package io.exitstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.checkpoint.GgufCheckpoint;
import io.exitstream.engine.checkpoint.GgufType;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.tokenizer.GgufVocabulary;
import io.exitstream.engine.tokenizer.HuggingFaceTokenizer;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped model (Hugging Face directory, byte-level BPE) converted to GGUF: in F32 it loads
 * to the same weights and computes the same logits, in Q8_0 close ones, and the tokenizer
 * carried in its metadata encodes and decodes as tokenizer.json does.
 */
class GgufShippedModelTest {

    private static final int[] PROMPT = {Shipped.BOS, 403, 407, 261};
    private static final String[] TEXTS = {"Once upon a time, Lily saw a big red ball.",
        "  two spaces,\ttabs\nand lines: 123 + 4567!", "héllo wörld, 日本 🙂", ""};

    @TempDir
    Path tmp;

    @Test
    void float32GgufGivesIdenticalWeightsAndLogits() {
        LlamaWeights hf = ShippedModel.weights();
        Path file = write(GgufType.F32);

        LlamaWeights gguf = ModelFormat.load(file);

        assertThat(gguf.config()).isEqualTo(hf.config());
        assertThat(gguf.classifier()).isSameAs(gguf.tokenEmbedding());
        assertThat(gguf.tokenEmbedding()).containsExactly(hf.tokenEmbedding());
        for (int l = 0; l < hf.config().layers(); l++) {
            assertThat(gguf.wq()[l]).containsExactly(hf.wq()[l]);
            assertThat(gguf.wk()[l]).containsExactly(hf.wk()[l]);
            assertThat(gguf.w2()[l]).containsExactly(hf.w2()[l]);
        }
        assertThat(logits(gguf)).containsExactly(logits(hf));
    }

    @Test
    void q8ZeroAndF16GgufComputeCloseLogits() {
        float[] expected = logits(ShippedModel.weights());

        float[] q8 = logits(ModelFormat.load(write(GgufType.Q8_0)));
        float[] f16 = logits(ModelFormat.load(write(GgufType.F16)));

        // Logits of magnitude ~10: fp16's 11 bits move them by hundredths; Q8_0's 8-bit steps
        // (half a step is 1/254 of a block's largest weight) by tenths. The prediction holds.
        assertThat(maxDifference(f16, expected)).isGreaterThan(0).isLessThan(0.05);
        assertThat(maxDifference(q8, expected)).isGreaterThan(0).isLessThan(0.3);
        assertThat(LlamaModelGoldenTest.argmax(q8))
                .isEqualTo(LlamaModelGoldenTest.argmax(expected));
    }

    @Test
    void theTokenizerInTheMetadataEncodesAndDecodesAsTokenizerJsonDoes() {
        Path file = write(GgufType.Q8_0);
        int vocab = ShippedModel.weights().config().vocabSize();

        Tokenizer gguf = TokenizerFiles.load(file, null, vocab);
        try (HuggingFaceTokenizer json = HuggingFaceTokenizer.load(ShippedModel.dir())) {
            assertThat(gguf.vocabSize()).isEqualTo(vocab);
            assertThat(gguf.bosId()).isEqualTo(json.bosId());
            assertThat(gguf.eosId()).isEqualTo(json.eosId());
            for (String text : TEXTS) {
                int[] ids = json.encode(text, true, false);
                assertThat(gguf.encode(text, true, false)).as(text).containsExactly(ids);
                assertThat(decode(gguf, ids)).isEqualTo(decode(json, ids)).isEqualTo(text);
            }
        } finally {
            ((HuggingFaceTokenizer) gguf).close();
        }
    }

    private static String decode(Tokenizer tokenizer, int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 1; i < ids.length; i++) {
            out.writeBytes(tokenizer.decodeBytes(ids[i - 1], ids[i]));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private Path write(GgufType type) {
        Path file = tmp.resolve(ShippedModel.NAME + "-" + type + ".gguf");
        GgufCheckpoint.write(ShippedModel.weights(), file, type, ShippedModel.NAME,
                GgufVocabulary.of(ShippedModel.dir().resolve("tokenizer.json"),
                        ShippedModel.weights().config().vocabSize()).metadata());
        return file;
    }

    private static float[] logits(LlamaWeights weights) {
        try (LlamaModel model = LlamaModel.load(weights); KvCache cache = model.newCache(1, 8)) {
            return model.prefill(cache, 0, 0, PROMPT);
        }
    }

    private static double maxDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
