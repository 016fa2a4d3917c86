package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.exitstream.engine.SharedFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bpb on stories260K as llama2.c gives it and converted to a Hugging Face directory. */
class BpbCommandTest {

    @TempDir
    Path tmp;

    @Test
    void theSameModelInEitherFormatHasTheSameBitsPerByte() throws IOException {
        // Four stories, one longer than the context (a sliding window), to stay quick.
        Path sample = SharedFixtures.shared().resolve("data/tinystories-valid-sample.txt");
        Path text = Files.write(tmp.resolve("four.txt"),
                Files.readAllLines(sample).subList(0, 4));
        Path hf = tmp.resolve("stories260K-hf");
        CliRun convert = CliRun.of("convert", "--model", SharedFixtures.stories260K().toString(),
                "--out", hf.toString(), "--to", "hf");
        assertThat(convert.exitCode()).as(convert.err()).isZero();

        JsonObject bin = bpb(SharedFixtures.stories260K(), text);
        JsonObject dir = bpb(hf, text);

        assertThat(bin.get("window").getAsInt()).isEqualTo(512);
        assertThat(bin.get("documents").getAsInt()).isEqualTo(4);
        assertThat(bin.get("bitsPerByte").getAsDouble()).isBetween(0.8, 1.6);
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
