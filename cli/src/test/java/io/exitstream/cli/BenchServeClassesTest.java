package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code bench serve --classes}: class mixes measured side by side on the shipped model. */
class BenchServeClassesTest {

    /** The shipped model, found above the working directory (the module, under Maven). */
    private static String shippedModel() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path model = dir.resolve("models").resolve(DefaultModel.NAME);
            if (Files.isDirectory(model)) {
                return model.toString();
            }
        }
        throw new AssertionError("models/" + DefaultModel.NAME + " not found");
    }

    @Test
    void measuresAMixAgainstEachClassAloneInOneRun() {
        // The shipped model, whose plans/classes.json gives fast its plan.
        CliRun run = CliRun.of("bench", "serve", "--model", shippedModel(), "--classes",
                "exact,fast,exact+fast",
                "--concurrency", "2", "--requests", "4", "--tokens", "8", "--threads", "1",
                "--engine-runs", "1");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonArray levels = JsonParser.parseString(run.out()).getAsJsonObject()
                .getAsJsonArray("levels");
        assertThat(levels).hasSize(3);
        String[] mixes = {"exact", "fast", "exact+fast"};
        for (int i = 0; i < 3; i++) {
            JsonObject level = levels.get(i).getAsJsonObject();
            assertThat(level.get("classes").getAsString()).isEqualTo(mixes[i]);
            assertThat(level.get("errors").getAsInt()).as(level.toString()).isZero();
            assertThat(level.get("completion_tokens").getAsInt()).isEqualTo(4 * 8);
            assertThat(level.has("engine_decode_tokens_per_s")).isFalse();
        }
    }

    @Test
    void anUnknownClassIsOneLineAndExitCode1() {
        CliRun run = CliRun.of("bench", "serve", "--model", shippedModel(), "--classes",
                "exact+turbo");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().lines()).singleElement().asString()
                .isEqualTo("serve: --classes: 'turbo' is not a quality class (balanced, exact,"
                        + " fast)");
    }
}
