package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.exitstream.engine.CpuAssumptions;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.exits.ExitHead;
import io.exitstream.engine.exits.ExitHeads;
import io.exitstream.engine.model.LlamaWeights;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchAndSynthCommandTest {

    private static final String TINY =
            "dim=64,hidden=128,layers=2,heads=4,kv_heads=2,vocab=300,seq=64";

    @TempDir
    Path tmp;

    @Test
    void benchPrintsMedianThroughputPerBatchSizeAsJson() {
        CliRun run = CliRun.of("bench", "--shape", TINY, "--batch", "1,3", "--tokens", "8",
                "--prompt-tokens", "16", "--runs", "3", "--warm-up", "0.5");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonObject report = JsonParser.parseString(run.out()).getAsJsonObject();
        assertThat(report.getAsJsonObject("shape").get("layers").getAsInt()).isEqualTo(2);
        assertThat(report.get("threads").getAsInt()).isPositive();
        assertThat(report.getAsJsonObject("prefill").get("tokens_per_s").getAsDouble())
                .isPositive();
        JsonArray decode = report.getAsJsonArray("decode");
        assertThat(decode).hasSize(2);
        JsonObject batch3 = decode.get(1).getAsJsonObject();
        assertThat(batch3.get("batch").getAsInt()).isEqualTo(3);
        assertThat(batch3.getAsJsonArray("runs_tokens_per_s")).hasSize(3);
        assertThat(batch3.get("tokens_per_s").getAsDouble()).isPositive();
        assertThat(run.err()).contains("decode batch 3 run 3/3");
        // Each batch size warms up, then waits for the JIT compiler to go quiet: 5 s of
        // decoding with next to no compiling, 60 s at most.
        for (JsonElement figures : decode) {
            JsonObject warmUp = figures.getAsJsonObject().getAsJsonObject("warm_up");
            assertThat(warmUp.get("runs").getAsInt()).isGreaterThan(1);
            assertThat(warmUp.get("seconds").getAsDouble()).isGreaterThanOrEqualTo(5.0);
            assertThat(warmUp.has("jit_quiet")).isTrue();
        }
        assertThat(batch3.getAsJsonArray("runs_jit_ms")).hasSize(3);
    }

    @Test
    void synthWritesALoadableModelInEitherFormat() {
        Path bin = tmp.resolve("tiny.bin");
        assertThat(CliRun.of("synth", "--shape", TINY, "--out", bin.toString()).exitCode())
                .isZero();
        Path hf = tmp.resolve("tiny-hf");
        assertThat(CliRun.of("synth", "--shape", TINY, "--out", hf.toString(), "--format", "hf",
                "--dtype", "BF16").exitCode()).isZero();
        LlamaWeights fromBin = ModelFormat.load(bin);
        LlamaWeights fromHf = ModelFormat.load(hf);
        assertThat(fromBin.config()).isEqualTo(fromHf.config());
        assertThat(fromBin.config().kvHeads()).isEqualTo(2);
        // bf16 keeps 8 bits of mantissa: weights agree to within 1%.
        float a = fromBin.wq()[1][100];
        assertThat(fromHf.wq()[1][100]).isCloseTo(a, org.assertj.core.data.Offset.offset(
                Math.abs(a) * 0.01f));
    }

    @Test
    void benchReportsTheWeightTypeItRanWith() {
        CpuAssumptions.assumeBfloat16();
        CliRun run = CliRun.of("bench", "--shape", TINY, "--warm-up", "0",
                "--batch", "2", "--tokens", "4",
                "--prompt-tokens", "4", "--runs", "1", "--weights", "bf16");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(JsonParser.parseString(run.out()).getAsJsonObject().get("weights")
                .getAsString()).isEqualTo("bfloat16");
    }

    @Test
    void benchRunsAnExecutionPlanAndReportsItsCosts() throws java.io.IOException {
        Path plan = java.nio.file.Files.writeString(tmp.resolve("plan.json"), """
                {"version": 7, "skipped_layers": [],
                 "exit": {"type": "self_speculative", "exit_layer": 0, "draft_tokens": 2}}
                """);
        CliRun run = CliRun.of("bench", "--shape", TINY, "--warm-up", "0",
                "--batch", "1", "--tokens", "6",
                "--prompt-tokens", "4", "--runs", "1", "--plan", plan.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonObject report = JsonParser.parseString(run.out()).getAsJsonObject();
        assertThat(report.getAsJsonObject("plan").get("version").getAsLong()).isEqualTo(7);
        JsonObject decode = report.getAsJsonArray("decode").get(0).getAsJsonObject();
        assertThat(decode.get("drafts_accepted").getAsDouble()).isBetween(0.0, 1.0);

        Path bad = java.nio.file.Files.writeString(tmp.resolve("bad.json"),
                "{\"version\": 1, \"skipped_layers\": [9]}");
        CliRun rejected = CliRun.of("bench", "--shape", TINY, "--tokens", "4",
                "--prompt-tokens", "4", "--runs", "1", "--plan", bad.toString());
        assertThat(rejected.exitCode()).isEqualTo(1);
        assertThat(rejected.err()).contains("bad.json").contains("9");
    }

    @Test
    void benchRunsAConfidencePlanWithTheExitHeadsItIsGiven() throws java.io.IOException {
        Path plan = planExitingAfterLayer0();
        Path heads = tmp.resolve("heads.safetensors");
        CliRun run = CliRun.of("bench", "--shape", TINY, "--warm-up", "0",
                "--batch", "2", "--tokens", "6",
                "--prompt-tokens", "4", "--runs", "1", "--plan", plan.toString(),
                "--exit-heads", heads.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonObject decode = JsonParser.parseString(run.out()).getAsJsonObject()
                .getAsJsonArray("decode").get(0).getAsJsonObject();
        assertThat(decode.get("mean_layers_executed").getAsDouble()).isEqualTo(1.0);

        CliRun noHeads = CliRun.of("bench", "--shape", TINY, "--tokens", "4",
                "--prompt-tokens", "4", "--runs", "1", "--plan", plan.toString());
        assertThat(noHeads.exitCode()).isEqualTo(1);
        assertThat(noHeads.err().strip()).endsWith("has confidence exits, which need exit heads:"
                + " pass --exit-heads");
    }

    @Test
    void againstFullTimesTheFullModelRunForRunAndReportsThePlansSpeedup()
            throws java.io.IOException {
        Path plan = planExitingAfterLayer0();
        Path heads = tmp.resolve("heads.safetensors");
        CliRun run = CliRun.of("bench", "--shape", TINY, "--warm-up", "0",
                "--batch", "1,2", "--tokens", "6",
                "--prompt-tokens", "4", "--runs", "3", "--plan", plan.toString(),
                "--exit-heads", heads.toString(), "--against-full");
        assertThat(run.exitCode()).as(run.err()).isZero();
        for (var element : JsonParser.parseString(run.out()).getAsJsonObject()
                .getAsJsonArray("decode")) {
            JsonObject decode = element.getAsJsonObject();
            // The plan's own figures stay the plan's: every token leaves after layer 0.
            assertThat(decode.get("mean_layers_executed").getAsDouble()).isEqualTo(1.0);
            assertThat(decode.get("full_tokens_per_s").getAsDouble()).isPositive();
            double[] ratios = java.util.stream.StreamSupport.stream(
                    decode.getAsJsonArray("runs_speedup_vs_full").spliterator(), false)
                    .mapToDouble(r -> r.getAsDouble()).sorted().toArray();
            assertThat(ratios).hasSize(3);
            assertThat(ratios[0]).isPositive();
            // The median run's ratio (each figure is rounded to 3 decimals on its own).
            assertThat(decode.get("speedup_vs_full").getAsDouble())
                    .isCloseTo(ratios[1], org.assertj.core.data.Offset.offset(0.0011));
        }

        CliRun plain = CliRun.of("bench", "--shape", TINY, "--warm-up", "0",
                "--batch", "1", "--tokens", "4",
                "--prompt-tokens", "4", "--runs", "1");
        assertThat(plain.out()).doesNotContain("speedup_vs_full");

        CliRun noPlan = CliRun.of("bench", "--shape", TINY, "--against-full");
        assertThat(noPlan.exitCode()).isEqualTo(2);
        assertThat(noPlan.err()).contains("--against-full compares a plan with the full model")
                .contains("--plan");
    }

    /**
     * A confidence plan that may exit after layer 0, with exit heads beside it in
     * heads.safetensors whose confidence there is sigmoid(20): every token leaves.
     */
    private Path planExitingAfterLayer0() throws java.io.IOException {
        ExitHeads.of(new ExitHead(0, new float[64], 20f)).write(tmp.resolve("heads.safetensors"));
        return java.nio.file.Files.writeString(tmp.resolve("plan.json"), """
                {"version": 3, "exit": {"type": "confidence", "thresholds": {"0": 0.5},
                 "min_exit_layer": 0}}
                """);
    }

    @Test
    void usageMistakesAreOneLineWithExitCodeTwo() {
        CliRun badWeights = CliRun.of("bench", "--shape", TINY, "--weights", "int4");
        assertThat(badWeights.exitCode()).isEqualTo(2);
        assertThat(badWeights.err().strip()).contains("'int4' is not a weight type")
                .contains("exitstream bench --help").doesNotContain("\n");
        CliRun bothSources = CliRun.of("bench", "--shape", TINY, "--model", "x.bin");
        assertThat(bothSources.exitCode()).isEqualTo(2);
        assertThat(bothSources.err().strip()).contains("mutually exclusive").doesNotContain("\n");
        CliRun noCommand = CliRun.of();
        assertThat(noCommand.exitCode()).isEqualTo(2);
        assertThat(noCommand.err()).contains("name a command");
    }

    @Test
    void aNegativeWarmUpIsOneLine() {
        CliRun run = CliRun.of("bench", "--shape", TINY, "--warm-up", "-1");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().strip()).endsWith("--warm-up must be 0 or more seconds, got -1.0")
                .doesNotContain("\n");
    }

    @Test
    void unknownShapeIsOneLine() {
        CliRun run = CliRun.of("synth", "--shape", "s7B", "--out", tmp.resolve("x").toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("unknown synthetic shape s7B");
    }
}
