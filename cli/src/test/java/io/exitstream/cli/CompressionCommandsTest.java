package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * analyze, calibrate and eval on a copy of the shipped model (calibrate writes its heads beside
 * the model, never into the repository's own).
 */
class CompressionCommandsTest {

    private static final String TEXT = """
            Tom had a red ball. He liked to play with it in the park every day.
            Lily saw a big dog. The dog was happy and wagged its tail at her.
            One day, a little bird sat on the tree. It sang a song for the sun.
            Sam and Mia went to the shop. They wanted to buy a toy boat.
            The cat was sad because it lost its hat. Mom found the hat under the bed.
            """;

    @TempDir
    Path tmp;

    private Path model;
    private ModelConfig config;
    private Path text;

    @BeforeEach
    void copyModel() throws IOException {
        model = ShippedModelCopy.into(tmp.resolve("model"));
        config = ShippedModel.weights().config();
        text = Files.writeString(tmp.resolve("text.txt"), TEXT);
    }

    @Test
    void analyzeProposesAScheduleThatEvalMeasuresWithinTheBudget() {
        Path plan = tmp.resolve("skip.json");
        CliRun analyze = CliRun.of("analyze", "--model", model.toString(), "--data",
                text.toString(), "--budget", "0.5", "--out", plan.toString(), "--threads", "1");
        assertThat(analyze.exitCode()).as(analyze.err()).isZero();
        JsonObject report = JsonParser.parseString(analyze.out()).getAsJsonObject();
        assertThat(report.getAsJsonArray("layers")).hasSize(config.layers());
        assertThat(report.getAsJsonArray("ranking")).hasSize(config.layers());
        assertThat(analyze.err()).contains("influence").contains("proposed schedule skips");
        assertThat(plan).exists();

        CliRun eval = CliRun.of("eval", "--model", model.toString(), "--plan", plan.toString(),
                "--data", text.toString(), "--batch", "1,2", "--tokens", "8", "--runs", "1",
                "--threads", "1");
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        JsonObject measured = JsonParser.parseString(eval.out()).getAsJsonObject();
        assertThat(measured.get("perplexity_change").getAsDouble()).isLessThanOrEqualTo(0.5);
        assertThat(measured.get("perplexity").getAsDouble()).isCloseTo(
                report.get("schedule_perplexity").getAsDouble(),
                org.assertj.core.api.Assertions.within(1e-3));
        assertThat(measured.getAsJsonArray("decode")).hasSize(2);
        JsonObject bpb = measured.getAsJsonObject("bitsPerByte");
        assertThat(bpb.getAsJsonObject("full").get("bitsPerByte").getAsDouble())
                .isBetween(0.5, 2.0);
        if (measured.getAsJsonObject("plan").getAsJsonArray("skipped_layers").isEmpty()) {
            assertThat(bpb.has("plan")).as("the plan is the full model").isFalse();
        }
    }

    @Test
    void calibrateWritesHeadsAndAPlanThatEvalSweeps() {
        CliRun calibrate = CliRun.of("calibrate", "--model", model.toString(),
                "--self-generate", "16", "--seq-len", "96", "--rank", "4", "--epochs", "1",
                "--threads", "1");
        assertThat(calibrate.exitCode()).as(calibrate.err()).isZero();
        Path heads = model.resolve("exit_heads.safetensors");
        Path plan = model.resolve("exit_heads.plan.json");
        assertThat(heads).exists();
        assertThat(plan).exists();
        JsonObject report = JsonParser.parseString(calibrate.out()).getAsJsonObject();
        // A head after every layer but the last.
        assertThat(report.getAsJsonArray("layers")).hasSize(config.layers() - 1);

        Path png = tmp.resolve("sweep.png");
        CliRun eval = CliRun.of("eval", "--model", model.toString(), "--plan", plan.toString(),
                "--data", text.toString(), "--batch", "1", "--tokens", "8", "--runs", "1",
                "--threads", "1", "--sweep", "--png", png.toString());
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        JsonObject measured = JsonParser.parseString(eval.out()).getAsJsonObject();
        assertThat(measured.getAsJsonArray("sweep")).hasSizeGreaterThan(3);
        JsonObject bpb = measured.getAsJsonObject("bitsPerByte");
        assertThat(bpb.getAsJsonObject("plan").get("tokens").getAsLong())
                .isEqualTo(bpb.getAsJsonObject("full").get("tokens").getAsLong());
        assertThat(bpb.getAsJsonObject("plan").get("bitsPerByte").getAsDouble())
                .isFinite().isPositive();
        assertThat(png).isNotEmptyFile();
    }

    @Test
    void analyzeWithAnAgreementTargetWritesTheLongestCertifiedSchedule() throws IOException {
        Path plan = tmp.resolve("certified.json");
        CliRun analyze = CliRun.of("analyze", "--model", model.toString(), "--self-generate",
                "16", "--seq-len", "96", "--agreement", "0.3", "--delta", "0.2",
                "--out", plan.toString(), "--threads", "1");
        assertThat(analyze.exitCode()).as(analyze.err()).isZero();
        JsonObject report = JsonParser.parseString(analyze.out()).getAsJsonObject();
        JsonObject certificate = report.getAsJsonObject("certificate");
        assertThat(certificate.get("agreement").getAsDouble()).isEqualTo(0.3);
        assertThat(certificate.get("held_out_tokens").getAsInt()).isPositive();
        assertThat(certificate.get("ranking_tokens").getAsInt()).isPositive();
        var tests = certificate.getAsJsonArray("tests");
        assertThat(tests).isNotEmpty();
        JsonObject lastPassed = null;
        for (var test : tests) {
            JsonObject t = test.getAsJsonObject();
            assertThat(t.get("passed").getAsBoolean())
                    .isEqualTo(t.get("p_value").getAsDouble() <= 0.2);
            if (t.get("passed").getAsBoolean()) {
                lastPassed = t;
            }
        }
        var skipped = report.getAsJsonObject("plan").getAsJsonArray("skipped_layers");
        assertThat(skipped).isEqualTo(lastPassed == null ? new com.google.gson.JsonArray()
                : lastPassed.getAsJsonArray("skipped_layers"));
        assertThat(JsonParser.parseString(Files.readString(plan)).getAsJsonObject()
                .getAsJsonArray("skipped_layers")).isEqualTo(skipped);
        assertThat(report.has("budget_plan")).isTrue();
        assertThat(analyze.err()).contains("certified at agreement 0.3 (delta 0.2)")
                .contains("the budget's schedule skips");
    }

    @Test
    void badInputGetsOneLine() {
        String m = model.toString();
        String t = text.toString();
        assertOneLine(CliRun.of("analyze", "--model", m, "--data", "missing.txt"), 1,
                "file not found: missing.txt");
        assertOneLine(CliRun.of("analyze", "--model", m, "--data", t, "--budget", "-1"), 1,
                "--budget must be >= 0");
        assertOneLine(CliRun.of("analyze", "--model", m, "--data", t, "--seq-len", "1"), 1,
                "--seq-len must be in 2.." + config.contextLength());
        assertOneLine(CliRun.of("analyze", "--model", m, "--data", t, "--agreement", "1"), 1,
                "--agreement must be in (0, 1), got 1.0");
        assertOneLine(CliRun.of("analyze", "--model", m, "--data", t, "--agreement", "0.9",
                "--held-out", "1"), 1, "the held-out fraction must be in (0, 1), got 1.0");
        assertOneLine(CliRun.of("calibrate", "--model", m), 2, "--data");
        assertOneLine(CliRun.of("calibrate", "--model", m, "--self-generate", "4",
                "--agreement", "1.5"), 1, "--agreement must be in (0, 1)");
        assertOneLine(CliRun.of("calibrate", "--model", m, "--self-generate", "4",
                "--rank", "-1"), 1, "--rank must be >= 0");
        assertOneLine(CliRun.of("eval", "--model", m, "--data", t, "--sweep"), 1,
                "--sweep scales confidence thresholds");
    }

    private static void assertOneLine(CliRun run, int exitCode, String message) {
        assertThat(run.exitCode()).as(run.err()).isEqualTo(exitCode);
        assertThat(run.err()).contains(message);
        assertThat(run.err().strip().lines()).as(run.err()).hasSize(1);
    }
}
