package io.exitstream.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exitstream.engine.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HuggingFaceTokenizerTest {

    @TempDir
    Path temp;

    private Path tok512Dir() {
        TokenizerJson.write(Llama2cTokenizerTest.tok512(), temp.resolve("tokenizer.json"));
        return temp;
    }

    @Test
    void loadsFromAModelDirectoryWithBosAndEosFromItsAddedTokens() {
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.load(tok512Dir())) {
            assertThat(hf.bosId()).isEqualTo(1);
            assertThat(hf.eosId()).isEqualTo(2);
            assertThat(hf.encode("Lily went to the park with her dog", true, true))
                    .containsExactly(1, 317, 263, 377, 267, 265, 282, 295, 433, 335, 311, 400,
                            428, 2);
            assertThat(hf.encode("", false, false)).isEmpty();
        }
    }

    @Test
    void suppliedIdsOverrideTheAddedTokens() {
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.load(tok512Dir(), 2, 0)) {
            assertThat(hf.encode("a", true, true)).startsWith(2).endsWith(0);
            assertThat(hf.decodeBytes(2, 259)).containsExactly('t');
        }
    }

    @Test
    void longTextIsNotTruncated() throws IOException {
        String text = Files.readString(Llama2cTokenizerTest.sample());
        Llama2cTokenizer llama2c = Llama2cTokenizerTest.tok512();
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.load(tok512Dir())) {
            int[] ids = hf.encode(text, true, false);

            assertThat(ids.length).isGreaterThan(5000);
            assertThat(ids).containsExactly(llama2c.encode(text, true, false));
            assertThat(Llama2cTokenizerTest.decode(hf, 1, Arrays.copyOfRange(ids, 1, ids.length)))
                    .isEqualTo(text);
        }
    }

    @Test
    void byteLevelVocabularyCannotBecomeALlama2cTokenizer() throws IOException {
        Path json = temp.resolve("gpt2.json");
        Files.writeString(json, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0},"
                + " \"merges\": []}, \"decoder\": {\"type\": \"ByteLevel\"}}");

        assertThatThrownBy(() -> TokenizerJson.readAsLlama2c(json))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(json.toString())
                .hasMessageContaining("byte-level");
    }

    @Test
    void missingFileIsACheckpointException() {
        assertThatThrownBy(() -> HuggingFaceTokenizer.load(temp))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(temp.resolve("tokenizer.json").toString());
    }

    @Test
    void bosOutsideTheVocabularyIsRejected() {
        Path dir = tok512Dir();
        assertThatThrownBy(() -> HuggingFaceTokenizer.load(dir, 512, 2))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("no token 512");
    }
}
