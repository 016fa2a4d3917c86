package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.exitstream.engine.SharedFixtures;
import io.exitstream.engine.ShippedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bpb on the shipped model, on a model as llama2.c gives it and converted to a Hugging Face
 * directory, and stories260K's figure on TinyStories (in {@code ../shared}).
 */
class BpbCommandTest {

    private static final List<String> STORIES = List.of(
            "Tom had a red ball. He liked to play with it in the park every day.",
            "Lily saw a big dog. The dog was happy and wagged its tail at her.",
            "One day, a little bird sat on the tree. It sang a song for the sun.",
            "Sam and Mia went to the shop. They wanted to buy a toy boat.");

    @TempDir
    Path tmp;

    @Test
    void theShippedModelScoresSimpleStoriesPlausibly() throws IOException {
        Path text = Files.write(tmp.resolve("four.txt"), STORIES);

        JsonObject report = bpb(ShippedModel.dir(), text);

        assertThat(report.get("window").getAsInt())
                .isEqualTo(ShippedModel.weights().config().contextLength());
        assertThat(report.get("documents").getAsInt()).isEqualTo(4);
        assertThat(report.get("bitsPerByte").getAsDouble()).isBetween(0.5, 2.5);
    }

    @Test
    void theSameModelInEitherFormatHasTheSameBitsPerByte() throws IOException {
        // One story longer than the synthetic model's context (a sliding window).
        Path text = Files.write(tmp.resolve("four.txt"), List.of(STORIES.get(0),
                STORIES.get(1), String.join(" ", STORIES).repeat(3), STORIES.get(3)));
        Path bin = SyntheticLlama2c.write(tmp.resolve("synthetic.bin"));
        Path hf = tmp.resolve("synthetic-hf");
        CliRun convert = CliRun.of("convert", "--model", bin.toString(), "--out", hf.toString(),
                "--to", "hf");
        assertThat(convert.exitCode()).as(convert.err()).isZero();

        assertSameFigure(bpb(bin, text), bpb(hf, text), 512);
    }

    /** stories260K on four real stories, one longer than its context, in either format. */
    @Test
    void stories260KHasItsFigureOnTinyStoriesInEitherFormat() throws IOException {
        Path sample = SharedFixtures.shared().resolve("data/tinystories-valid-sample.txt");
        Path text = Files.write(tmp.resolve("four.txt"),
                Files.readAllLines(sample).subList(0, 4));
        Path hf = tmp.resolve("stories260K-hf");
        CliRun convert = CliRun.of("convert", "--model", SharedFixtures.stories260K().toString(),
                "--out", hf.toString(), "--to", "hf");
        assertThat(convert.exitCode()).as(convert.err()).isZero();

        JsonObject bin = bpb(SharedFixtures.stories260K(), text);
        assertThat(bin.get("bitsPerByte").getAsDouble()).isBetween(0.8, 1.6);
        assertSameFigure(bin, bpb(hf, text), 512);
    }

    private static void assertSameFigure(JsonObject bin, JsonObject dir, int window) {
        assertThat(bin.get("window").getAsInt()).isEqualTo(window);
        assertThat(bin.get("documents").getAsInt()).isEqualTo(4);
        assertThat(dir.get("tokens").getAsLong()).isEqualTo(bin.get("tokens").getAsLong());
        assertThat(dir.get("bytes").getAsLong()).isEqualTo(bin.get("bytes").getAsLong());
        assertThat(dir.get("bitsPerByte").getAsDouble())
                .isCloseTo(bin.get("bitsPerByte").getAsDouble(), within(2e-6));
    }

    private static JsonObject bpb(Path model, Path text) {
        CliRun run = CliRun.of("bpb", "--model", model.toString(), "--text", text.toString(),
                "--threads", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        return JsonParser.parseString(run.out()).getAsJsonObject();
    }
}
