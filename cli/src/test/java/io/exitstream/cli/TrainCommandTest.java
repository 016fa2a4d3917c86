package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.exitstream.engine.SharedFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole recipe of the shipped model, in miniature: stories sampled from stories260K, a
 * byte-level BPE trained on them, a small Llama trained with LayerSkip, resumed, and served
 * text by the engine.
 */
class TrainCommandTest {

    @TempDir
    static Path tmp;

    private static Path corpus;
    private static Path tokenizer;

    @BeforeAll
    static void corpusAndTokenizer() {
        corpus = tmp.resolve("stories.jsonl");
        CliRun sampled = CliRun.of("corpus", "--model", SharedFixtures.stories260K().toString(),
                "--documents", "12", "--batch", "6", "--seq-len", "512", "--threads", "1",
                "--out", corpus.toString());
        assertThat(sampled.exitCode()).as(sampled.err()).isZero();
        JsonObject summary = JsonParser.parseString(sampled.out()).getAsJsonObject();
        assertThat(summary.get("documents").getAsInt()).isPositive();
        assertThat(summary.get("documents").getAsInt()
                + summary.get("dropped_unfinished").getAsInt()).isEqualTo(12);
        tokenizer = tmp.resolve("tokenizer.json");
        CliRun trained = CliRun.of("tokenizer", "--corpus", corpus.toString(), "--vocab", "320",
                "--out", tokenizer.toString());
        assertThat(trained.exitCode()).as(trained.err()).isZero();
    }

    private static CliRun train(Path out, String dim) {
        return CliRun.of("train", "--corpus", corpus.toString(), "--tokenizer",
                tokenizer.toString(), "--out", out.toString(), "--layers", "3", "--dim", dim,
                "--hidden", "64", "--heads", "4", "--kv-heads", "2", "--context", "32",
                "--steps", "4", "--batch", "4", "--micro-batch", "2", "--warmup", "1",
                "--checkpoint-every", "2", "--held-out", "0.2", "--threads", "1");
    }

    @Test
    void trainsAModelTheEngineServesAndResumesItsCheckpoint() throws Exception {
        Path out = tmp.resolve("model");
        CliRun run = train(out, "32");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonObject report = JsonParser.parseString(run.out()).getAsJsonObject();
        assertThat(report.getAsJsonArray("held_out_loss_by_exit_layer")).hasSize(3);
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json",
                "train.json", "loss.png")) {
            assertThat(out.resolve(file)).isRegularFile();
        }
        JsonObject config = JsonParser.parseString(Files.readString(out.resolve("config.json")))
                .getAsJsonObject();
        assertThat(config.get("bos_token_id").getAsInt()).isZero();
        assertThat(config.get("eos_token_id").getAsInt()).isOne();

        CliRun generated = CliRun.of("generate", "--model", out.toString(), "--prompt",
                "Once upon a time", "-n", "8", "--seed", "1");
        assertThat(generated.exitCode()).as(generated.err()).isZero();
        assertThat(generated.out()).startsWith("Once upon a time");

        CliRun again = train(out, "32");
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.err()).contains("resuming from the checkpoint at step 4");

        CliRun other = train(out, "16");
        assertThat(other.exitCode()).isEqualTo(2);
        assertThat(other.err().strip()).doesNotContain("\n").contains("other settings");
    }

    @Test
    void badInputIsRefusedOnOneLine() {
        CliRun missing = CliRun.of("train", "--corpus", tmp.resolve("none.jsonl").toString(),
                "--tokenizer", tokenizer.toString(), "--out", tmp.resolve("x").toString(),
                "--steps", "1");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("corpus not found");
        CliRun uneven = CliRun.of("train", "--corpus", corpus.toString(), "--tokenizer",
                tokenizer.toString(), "--out", tmp.resolve("y").toString(), "--steps", "1",
                "--batch", "6", "--micro-batch", "4");
        assertThat(uneven.exitCode()).isEqualTo(2);
        assertThat(uneven.err()).contains("--micro-batch");
    }
}
