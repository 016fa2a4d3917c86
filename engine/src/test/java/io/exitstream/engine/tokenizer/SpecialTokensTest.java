package io.exitstream.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exitstream.engine.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Llama-3-style tokenizer (byte-level, no {@code <s>}/{@code </s>}, {@code <|begin_of_text|>}
 * and several end tokens) takes BOS and EOS ids from the files beside it.
 */
class SpecialTokensTest {

    private static final String[] SPECIALS = {"<|begin_of_text|>", "<|end_of_text|>",
        "<|eom_id|>", "<|eot_id|>"};

    @TempDir
    Path dir;

    @Test
    void generationConfigAndConfigNameEveryEosAndAnyEndsGeneration() throws IOException {
        writeTokenizer();
        Files.writeString(dir.resolve("config.json"),
                "{\"bos_token_id\": 0, \"eos_token_id\": [1, 2]}");
        Files.writeString(dir.resolve("generation_config.json"),
                "{\"bos_token_id\": 0, \"eos_token_id\": [1, 3], \"temperature\": 0.6}");

        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.load(dir)) {
            assertThat(tokenizer.bosId()).isZero();
            assertThat(tokenizer.eosId()).isEqualTo(1);
            assertThat(tokenizer.eosIds()).containsExactly(1, 3, 2);
            assertThat(tokenizer.stopIds()).containsExactly(1, 3, 2, 0);
            assertThat(tokenizer.decodeBytes(0, 3)).isEmpty();
            assertThat(tokenizer.encode("hi", true, true)).startsWith(0).endsWith(1);
        }
    }

    @Test
    void ggufNamesTheIdsTheTokenizerServesWith() throws IOException {
        writeTokenizer();
        Files.writeString(dir.resolve("generation_config.json"),
                "{\"bos_token_id\": 0, \"eos_token_id\": [3, 1]}");

        GgufVocabulary vocabulary = GgufVocabulary.of(dir.resolve("tokenizer.json"), 260);

        assertThat(vocabulary.model()).isEqualTo("gpt2");
        assertThat(vocabulary.bos()).isZero();
        assertThat(vocabulary.eos()).isEqualTo(3);
        assertThat(vocabulary.types()).startsWith(3, 3, 3, 3, 1);
    }

    @Test
    void tokenizerConfigNamesThemByTheirText() throws IOException {
        writeTokenizer();
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\":"
                + " \"<|begin_of_text|>\", \"eos_token\": {\"content\": \"<|eot_id|>\"}}");

        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.load(dir)) {
            assertThat(tokenizer.bosId()).isZero();
            assertThat(tokenizer.eosIds()).containsExactly(3);
        }
    }

    @Test
    void withoutThemTheLoadFailsInOneLine() throws IOException {
        writeTokenizer();

        assertThatThrownBy(() -> HuggingFaceTokenizer.load(dir))
                .isInstanceOf(CheckpointException.class)
                .hasMessage("tokenizer " + dir.resolve("tokenizer.json") + " has no <s> and </s>"
                        + " tokens, and neither generation_config.json, config.json nor"
                        + " tokenizer_config.json beside it names BOS and EOS ids");
    }

    /** The four special tokens, then the 256 bytes in GPT-2's alphabet, no merges. */
    private void writeTokenizer() {
        List<String> pieces = new ArrayList<>(List.of(SPECIALS));
        for (int b = 0; b < 256; b++) {
            pieces.add(String.valueOf(ByteLevel.byteChar(b)));
        }
        TokenizerJson.writeByteLevel(pieces.toArray(String[]::new), List.of(),
                dir.resolve("tokenizer.json"), 0, 1, 2, 3);
    }
}
