package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.exitstream.engine.tokenizer.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerCommandTest {

    @TempDir
    Path tmp;

    private Path corpus() throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            JsonObject document = new JsonObject();
            document.addProperty("text", "Document " + i + ": the café was naïve,\n"
                    + "and the cat sat   on the mat 🐈 " + (i * 37) + " times.");
            lines.add(document.toString());
        }
        return Files.write(tmp.resolve("corpus.jsonl"), lines);
    }

    @Test
    void writesATokenizerThatLoadsAndSummarizesOnOneLine() throws IOException {
        Path out = tmp.resolve("model/tokenizer.json");
        CliRun run = CliRun.of("tokenizer", "--corpus", corpus().toString(), "--vocab", "300",
                "--out", out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().strip()).doesNotContain("\n");
        JsonObject summary = JsonParser.parseString(run.out()).getAsJsonObject();
        assertThat(summary.get("vocab_size").getAsInt()).isEqualTo(300);
        assertThat(summary.get("merges").getAsInt()).isEqualTo(42);
        assertThat(summary.get("documents").getAsInt()).isEqualTo(200);
        assertThat(summary.get("bytes_per_token").getAsDouble()).isGreaterThan(1.5);
        assertThat(run.err()).contains("wrote tokenizer");
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.load(out.getParent())) {
            assertThat(tokenizer.vocabSize()).isEqualTo(300);
            assertThat(tokenizer.encode("the cat", true, false)[0]).isZero();
        }
    }

    @Test
    void badInputIsOneLine() throws IOException {
        Path out = tmp.resolve("tokenizer.json");
        Path notJson = Files.writeString(tmp.resolve("bad.jsonl"), "{\"text\": \"ok\"}\nnope{\n");
        Path noText = Files.writeString(tmp.resolve("notext.jsonl"), "{\"body\": \"x\"}\n");
        Path good = corpus();

        assertOneLineFailure(CliRun.of("tokenizer", "--corpus", tmp.resolve("missing.jsonl")
                .toString(), "--out", out.toString()), "file not found");
        assertOneLineFailure(CliRun.of("tokenizer", "--corpus", notJson.toString(),
                "--out", out.toString()), "line 2 is not JSON");
        assertOneLineFailure(CliRun.of("tokenizer", "--corpus", noText.toString(),
                "--out", out.toString()), "line 1 has no string \"text\" field");
        assertOneLineFailure(CliRun.of("tokenizer", "--corpus", good.toString(),
                "--vocab", "100", "--out", out.toString()), "259..65536");
        assertThat(out).doesNotExist();
    }

    private static void assertOneLineFailure(CliRun run, String message) {
        assertThat(run.exitCode()).isEqualTo(OneLineErrors.FAILED);
        // The reading progress bar may come first; the error itself is one line.
        assertThat(run.err().lines()
                .filter(line -> !line.isBlank() && !line.contains("reading corpus")))
                .singleElement().asString().startsWith("tokenizer: ").contains(message);
        assertThat(run.out()).isEmpty();
    }
}
