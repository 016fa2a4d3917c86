package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.exitstream.engine.SharedFixtures;
import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.exits.ExitHead;
import io.exitstream.engine.exits.ExitHeads;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateCommandTest {

    @TempDir
    Path tmp;

    @Test
    void greedyGenerationPrintsThePromptsContinuationAndTheSpeed() {
        String[] args = {"generate", "--model", ShippedModel.dir().toString(),
            "--prompt", "Once upon a time", "-n", "8", "--temperature", "0"};
        CliRun run = CliRun.of(args);
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("Once upon a time").endsWith("\n")
                .isEqualTo(CliRun.of(args).out());
        assertThat(run.out().length()).isGreaterThan("Once upon a time\n".length());
        assertThat(run.err())
                .containsPattern("generate: 8 tokens in [0-9.]+ s, [0-9.]+ tokens/s");
    }

    /** stories260K's greedy text is run.c's, in {@code ../shared}'s golden outputs. */
    @Test
    void greedyGenerationPrintsRunCsTextAndTheSpeed() {
        JsonObject golden = SharedFixtures.golden().getAsJsonArray("prompted").get(0)
                .getAsJsonObject();
        String prompt = golden.get("prompt").getAsString();
        String n = String.valueOf(tokensToGenerate(golden));
        CliRun run = CliRun.of("generate", "--model", SharedFixtures.stories260K().toString(),
                "--prompt", prompt, "-n", n, "--temperature", "0");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo(golden.get("greedy_text").getAsString() + "\n");
        assertThat(run.err())
                .containsPattern("generate: " + n + " tokens in [0-9.]+ s, [0-9.]+ tokens/s");
    }

    @Test
    void theSameSeedGivesTheSameText() {
        String[] args = {"generate", "--model", ShippedModel.dir().toString(),
            "--prompt", "Once upon a time", "-n", "40", "--temperature", "0.9", "--seed", "7"};
        CliRun first = CliRun.of(args);
        CliRun second = CliRun.of(args);
        assertThat(first.exitCode()).isZero();
        assertThat(first.out()).isEqualTo(second.out()).startsWith("Once upon a time");
        args[args.length - 1] = "8";
        assertThat(CliRun.of(args).out()).isNotEqualTo(first.out());
    }

    @Test
    void aModelConvertedEitherWayGeneratesTheSameText() {
        Path bin = SyntheticLlama2c.write(tmp.resolve("synthetic.bin"));
        Path hf = tmp.resolve("synthetic-hf");
        CliRun convert = CliRun.of("convert", "--model", bin.toString(), "--out", hf.toString());
        assertThat(convert.exitCode()).as(convert.err()).isZero();
        assertThat(hf.resolve("config.json")).exists();
        assertThat(hf.resolve("tokenizer.json")).exists();

        CliRun original = greedy(bin);
        assertThat(original.exitCode()).as(original.err()).isZero();
        assertThat(original.out()).startsWith("Lily went to the park");
        CliRun converted = greedy(hf);
        assertThat(converted.exitCode()).as(converted.err()).isZero();
        assertThat(converted.out()).isEqualTo(original.out());

        Path back = tmp.resolve("back/model.bin");
        CliRun roundTrip = CliRun.of("convert", "--model", hf.toString(), "--out", back.toString());
        assertThat(roundTrip.exitCode()).as(roundTrip.err()).isZero();
        assertThat(SyntheticLlama2c.tokenizerOf(back)).exists();
        assertThat(greedy(back).out()).isEqualTo(original.out());
    }

    private static CliRun greedy(Path model) {
        return CliRun.of("generate", "--model", model.toString(), "--prompt",
                "Lily went to the park", "-n", "12", "--temperature", "0");
    }

    /** stories260K converted generates run.c's text, in {@code ../shared}'s golden outputs. */
    @Test
    void aConvertedHuggingFaceModelGeneratesTheSameText() {
        Path hf = tmp.resolve("stories260K-hf");
        CliRun convert = CliRun.of("convert", "--model", SharedFixtures.stories260K().toString(),
                "--out", hf.toString());
        assertThat(convert.exitCode()).as(convert.err()).isZero();
        assertThat(hf.resolve("config.json")).exists();
        assertThat(hf.resolve("tokenizer.json")).exists();

        JsonObject golden = SharedFixtures.golden().getAsJsonArray("prompted").get(1)
                .getAsJsonObject();
        CliRun run = CliRun.of("generate", "--model", hf.toString(), "--prompt",
                golden.get("prompt").getAsString(), "-n", String.valueOf(tokensToGenerate(golden)),
                "--temperature", "0");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo(golden.get("greedy_text").getAsString() + "\n");

        Path back = tmp.resolve("back/model.bin");
        CliRun roundTrip = CliRun.of("convert", "--model", hf.toString(), "--out", back.toString());
        assertThat(roundTrip.exitCode()).as(roundTrip.err()).isZero();
        assertThat(back.resolveSibling("tok512.bin")).exists();
    }

    @Test
    void badInputGetsOneClearLineAndExitCodeOne() throws IOException {
        Path model = ShippedModel.dir();
        Path bin = SyntheticLlama2c.write(tmp.resolve("synthetic.bin"));
        Path truncated = tmp.resolve("truncated.bin");
        Files.write(truncated, java.util.Arrays.copyOf(Files.readAllBytes(bin), 500_000));
        Path notAModel = tmp.resolve("notes.txt");
        Files.writeString(notAModel, "hello");
        Path mistral = tmp.resolve("gpt");
        Files.createDirectories(mistral);
        Files.writeString(mistral.resolve("config.json"),
                "{\"architectures\": [\"GPT2LMHeadModel\"], \"n_embd\": 64}");

        assertOneLineError(CliRun.of("generate", "--model", tmp.resolve("absent.bin").toString()),
                "model not found");
        assertOneLineError(CliRun.of("generate", "--model", truncated.toString(),
                "--tokenizer", SyntheticLlama2c.tokenizerOf(bin).toString()), "truncated");
        assertOneLineError(CliRun.of("generate", "--model", notAModel.toString()), "neither");
        assertOneLineError(CliRun.of("generate", "--model", mistral.toString()), "GPT2LMHeadModel");
        assertOneLineError(CliRun.of("generate", "--model", model.toString(),
                "--prompt", "Lily went to the park. ".repeat(100)), "context");
        assertOneLineError(CliRun.of("generate", "--model", model.toString(), "-n", "0"), "-n");
        assertOneLineError(CliRun.of("generate", "--model", model.toString(),
                "--top-p", "1.5"), "top_p");
    }

    @Test
    void aConfidencePlanExitsThroughTheHeadsBesideTheModel() throws IOException {
        Path model = SyntheticLlama2c.write(tmp.resolve("m.bin"));
        Path plan = Files.writeString(tmp.resolve("plan.json"), """
                {"version": 2, "exit": {"type": "confidence", "thresholds": {"1": 0.5},
                 "min_exit_layer": 1}}
                """);
        String[] args = {"generate", "--model", model.toString(), "--tokenizer",
            SyntheticLlama2c.tokenizerOf(model).toString(), "-n", "20", "--temperature", "0",
            "--plan", plan.toString()};
        assertOneLineError(CliRun.of(args), "m.exits.safetensors not found");

        // A head that is always confident: every decoded token leaves at layer 1.
        ExitHeads.of(new ExitHead(1, new float[64], 20f)).write(ExitHeads.pathFor(model));
        CliRun run = CliRun.of(args);
        assertThat(run.exitCode()).as(run.err()).isZero();
        // The first token comes from the prompt's prefill through all 5 layers; 19 through 2.
        assertThat(run.err()).contains("2.15 layers per token");
    }

    /** run.c -n counts BOS and the prompt; its last position's token is printed too. */
    private static int tokensToGenerate(JsonObject golden) {
        int promptTokens = TokenizerFiles.load(SharedFixtures.stories260K(), null, 512)
                .encode(golden.get("prompt").getAsString(), true, false).length;
        return golden.get("total_positions").getAsInt() - promptTokens + 1;
    }

    private static void assertOneLineError(CliRun run, String expected) {
        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        assertThat(run.err().strip()).contains(expected).doesNotContain("\n")
                .doesNotContain("\tat ");
        assertThat(run.out()).isEmpty();
    }
}
