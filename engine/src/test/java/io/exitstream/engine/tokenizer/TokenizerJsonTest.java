package io.exitstream.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.exitstream.engine.SharedFixtures;
import io.exitstream.engine.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerJsonTest {

    @TempDir
    Path temp;

    static List<String> sampleLines() throws IOException {
        return Files.readAllLines(Llama2cTokenizerTest.sample()).stream()
                .filter(line -> !line.isBlank()).toList();
    }

    private Path tok512Json() {
        Path json = temp.resolve("tokenizer.json");
        TokenizerJson.write(Llama2cTokenizerTest.tok512(), json);
        return json;
    }

    @Test
    void writesALlamaStyleTokenizerJson() throws IOException {
        JsonObject root = JsonParser.parseString(Files.readString(tok512Json())).getAsJsonObject();
        JsonObject model = root.getAsJsonObject("model");

        assertThat(model.get("type").getAsString()).isEqualTo("BPE");
        assertThat(model.get("byte_fallback").getAsBoolean()).isTrue();
        assertThat(model.get("fuse_unk").getAsBoolean()).isTrue();
        assertThat(model.getAsJsonObject("vocab").get("\u2581t").getAsInt()).isEqualTo(259);
        assertThat(model.getAsJsonObject("vocab").get("<s>").getAsInt()).isEqualTo(1);
        assertThat(model.getAsJsonArray("merges").get(0).getAsString()).isEqualTo("\u2581 t");
        assertThat(root.get("pre_tokenizer").isJsonNull()).isTrue();
        assertThat(root.getAsJsonArray("added_tokens")).hasSize(3);
    }

    @Test
    void huggingFaceEncodesTinyStoriesLikeLlama2c() throws IOException {
        Llama2cTokenizer llama2c = Llama2cTokenizerTest.tok512();
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.load(tok512Json())) {
            for (String line : sampleLines()) {
                assertThat(hf.encode(line, true, false)).as(line)
                        .containsExactly(llama2c.encode(line, true, false));
            }
        }
    }

    @Test
    void huggingFaceDecodesEveryTokenLikeLlama2c() {
        Llama2cTokenizer llama2c = Llama2cTokenizerTest.tok512();
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.load(tok512Json())) {
            assertThat(hf.vocabSize()).isEqualTo(llama2c.vocabSize());
            assertThat(hf.bosId()).isEqualTo(llama2c.bosId());
            assertThat(hf.eosId()).isEqualTo(llama2c.eosId());
            for (int previous : new int[] {1, 2, 300}) {
                for (int id = 0; id < llama2c.vocabSize(); id++) {
                    assertThat(hf.decodeBytes(previous, id)).as("token %d after %d", id, previous)
                            .isEqualTo(llama2c.decodeBytes(previous, id));
                }
            }
        }
    }

    @Test
    void readingTheJsonBackEncodesAndDecodesLikeTheOriginal() throws IOException {
        Llama2cTokenizer original = Llama2cTokenizerTest.tok512();
        Path bin = temp.resolve("back.bin");
        TokenizerJson.readAsLlama2c(tok512Json()).write(bin);
        Llama2cTokenizer back = Llama2cTokenizer.load(bin, 512);

        for (String line : sampleLines()) {
            assertThat(back.encode(line, true, true)).as(line)
                    .containsExactly(original.encode(line, true, true));
        }
        for (int id = 0; id < original.vocabSize(); id++) {
            assertThat(back.decodeBytes(1, id)).isEqualTo(original.decodeBytes(1, id));
            assertThat(back.decodeBytes(5, id)).isEqualTo(original.decodeBytes(5, id));
        }
    }

    @Test
    void llama2VocabularyConvertsWithTheSameIds() throws IOException {
        Llama2cTokenizer llama2c = Llama2cTokenizer.load(SharedFixtures.llama2Tokenizer(), 32000);
        Path json = temp.resolve("llama2.json");
        TokenizerJson.write(llama2c, json);
        List<String> lines = new ArrayList<>(sampleLines());
        // Runs of spaces all score -1e9 in Llama 2: ties that HF breaks by merge rank.
        for (int spaces = 1; spaces <= 20; spaces++) {
            lines.add("a" + " ".repeat(spaces) + "b\n" + " ".repeat(spaces));
        }

        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.load(json)) {
            for (String line : lines) {
                assertThat(hf.encode(line, true, false)).as(line)
                        .containsExactly(llama2c.encode(line, true, false));
            }
        }
        Llama2cTokenizer back = TokenizerJson.readAsLlama2c(json);
        for (String line : lines) {
            assertThat(back.encode(line, true, false)).as(line)
                    .containsExactly(llama2c.encode(line, true, false));
        }
    }

    @Test
    void jsonWithoutLlama2cLayoutCannotBecomeTokenizerBin() throws IOException {
        Path json = temp.resolve("small.json");
        Files.writeString(json, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"<unk>\": 0,"
                + " \"<s>\": 1, \"</s>\": 2, \"a\": 3}, \"merges\": []}}");

        assertThatThrownBy(() -> TokenizerJson.readAsLlama2c(json))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(json.toString())
                .hasMessageContaining("cannot become a llama2.c tokenizer");
    }

    @Test
    void malformedJsonIsACheckpointException() throws IOException {
        Path json = temp.resolve("broken.json");
        Files.writeString(json, "{\"model\": {\"type\": \"BPE\", \"vocab\": [1, 2]");

        assertThatThrownBy(() -> TokenizerJson.readAsLlama2c(json))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(json.toString())
                .hasMessageContaining("not a valid tokenizer.json");
    }
}
