package io.exitstream.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exitstream.engine.checkpoint.CheckpointException;
import io.exitstream.engine.checkpoint.GgufCheckpoint;
import io.exitstream.engine.checkpoint.GgufReader;
import io.exitstream.engine.checkpoint.GgufType;
import io.exitstream.engine.checkpoint.SyntheticModels;
import io.exitstream.engine.model.ModelConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A llama2.c (SentencePiece) tokenizer written into GGUF as llama.cpp's {@code llama} model:
 * ▁ for spaces, {@code <s>}/{@code </s>}, byte pieces typed as bytes, scores kept; read back,
 * it encodes and decodes as the original.
 */
class GgufVocabularyTest {

    private static final String[] PIECES = {" ", "a", "b", " a", "ab", " ab", "ba", " ba"};

    @TempDir
    Path dir;

    @Test
    void aSentencePieceVocabularyRoundTripsAsLlamaCppsLlamaModel() {
        Llama2cTokenizer original = smallTokenizer();
        Path bin = dir.resolve("tok.bin");
        original.write(bin);
        int vocab = original.vocabSize();
        Path gguf = dir.resolve("model.gguf");

        GgufCheckpoint.write(SyntheticModels.random(
                ModelConfig.llama2c(16, 32, 1, 2, 2, vocab, 8, true), 1), gguf, GgufType.F32,
                "small", GgufVocabulary.of(bin, vocab).metadata());

        try (GgufReader in = GgufReader.open(gguf)) {
            GgufVocabulary read = GgufVocabulary.read(in);
            assertThat(read.model()).isEqualTo("llama");
            assertThat(read.tokens()[1]).isEqualTo("<s>");
            assertThat(read.tokens()[3 + 10]).isEqualTo("<0x0A>");
            assertThat(read.tokens()[259 + 5]).isEqualTo("\u2581ab");
            assertThat(read.types()[0]).isEqualTo(2);
            assertThat(read.types()[2]).isEqualTo(3);
            assertThat(read.types()[3 + 255]).isEqualTo(6);
            assertThat(read.types()[259]).isEqualTo(1);
            assertThat(read.scores()[259 + 7]).isEqualTo(original.score(259 + 7));
        }
        Tokenizer back = TokenizerFiles.load(gguf, null, vocab);
        for (String text : new String[] {"ab ba ab", "a\nb", "abab bab", "é"}) {
            int[] ids = original.encode(text, true, true);
            assertThat(back.encode(text, true, true)).as(text).containsExactly(ids);
            for (int i = 1; i < ids.length; i++) {
                assertThat(back.decodeBytes(ids[i - 1], ids[i]))
                        .isEqualTo(original.decodeBytes(ids[i - 1], ids[i]));
            }
        }
    }

    @Test
    void refusesAPreTokenizerItDoesNotImplement() {
        String[] tokens = new String[258];
        tokens[0] = "<|begin_of_text|>";
        tokens[1] = "<|end_of_text|>";
        for (int b = 0; b < 256; b++) {
            tokens[2 + b] = String.valueOf(ByteLevel.byteChar(b));
        }
        int[] types = new int[tokens.length];
        Arrays.fill(types, 1);
        GgufVocabulary llama3 = new GgufVocabulary("gpt2", tokens, new float[tokens.length],
                types, new String[0], 0, 1, "llama-bpe");
        Path gguf = dir.resolve("llama3.gguf");
        GgufCheckpoint.write(SyntheticModels.random(
                ModelConfig.llama2c(16, 32, 1, 2, 2, tokens.length, 8, true), 1), gguf,
                GgufType.F32, "llama3", llama3.metadata());

        assertThatThrownBy(() -> TokenizerFiles.load(gguf, null, tokens.length))
                .isInstanceOf(CheckpointException.class)
                .hasMessage(gguf + ": tokenizer.ggml.pre llama-bpe is a pre-tokenizer the engine"
                        + " does not implement (only gpt-2); pass the model's tokenizer.json"
                        + " with --tokenizer");
    }

    /** llama2.c's layout: {@code <unk>}, BOS, EOS, 256 byte pieces, then PIECES scored up. */
    private static Llama2cTokenizer smallTokenizer() {
        List<String> all = new ArrayList<>(List.of("<unk>", "\n<s>\n", "\n</s>\n"));
        for (int b = 0; b < 256; b++) {
            all.add(String.format("<0x%02X>", b));
        }
        all.addAll(List.of(PIECES));
        byte[][] pieces = new byte[all.size()][];
        float[] scores = new float[all.size()];
        int longest = 0;
        for (int id = 0; id < pieces.length; id++) {
            pieces[id] = all.get(id).getBytes(StandardCharsets.UTF_8);
            scores[id] = id < 259 ? 0f : -1000f + id;
            longest = Math.max(longest, pieces[id].length);
        }
        return new Llama2cTokenizer(pieces, scores, longest);
    }
}
