package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.exitstream.compression.nn.TrainingCheckpoint;
import io.exitstream.compression.train.JsonLines;
import io.exitstream.engine.CpuAssumptions;
import io.exitstream.engine.ShippedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole recipe of the shipped model, in miniature: stories sampled from a teacher (the
 * shipped model itself here; stories260K made it), a byte-level BPE trained on them, a small
 * Llama trained with LayerSkip, resumed, and served text by the engine.
 */
class TrainCommandTest {

    @TempDir
    static Path tmp;

    private static Path corpus;
    private static Path tokenizer;

    @BeforeAll
    static void corpusAndTokenizer() {
        corpus = tmp.resolve("stories.jsonl");
        String context = String.valueOf(ShippedModel.weights().config().contextLength());
        CliRun sampled = CliRun.of("corpus", "--model", ShippedModel.dir().toString(),
                "--documents", "12", "--batch", "6", "--seq-len", context, "--threads", "1",
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

    private static CliRun train(Path out, String dim, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--corpus",
                corpus.toString(), "--tokenizer", tokenizer.toString(), "--out", out.toString(),
                "--layers", "3", "--dim", dim, "--hidden", "64", "--heads", "4", "--kv-heads",
                "2", "--context", "32", "--steps", "4", "--batch", "4", "--micro-batch", "2",
                "--warmup", "1", "--checkpoint-every", "2", "--held-out", "0.2", "--threads",
                "1"));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void trainsWithBfloat16ProductsAndSaysSoInItsReport() throws Exception {
        CpuAssumptions.assumeBfloat16();
        Path out = tmp.resolve("bfloat16");
        CliRun run = train(out, "32", "--matmul", "bfloat16");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonObject options = JsonParser.parseString(Files.readString(out.resolve("train.json")))
                .getAsJsonObject().getAsJsonObject("settings").getAsJsonObject("options");
        assertThat(options.get("matmul").getAsString()).isEqualTo("BFLOAT16");
    }

    @Test
    void distilsFromATeacherWithAnotherTokenizer() throws Exception {
        Path out = tmp.resolve("distilled");
        CliRun run = train(out, "32", "--teacher", ShippedModel.dir().toString(),
                "--distill-weight", "0.5");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("the teacher's vocabulary is another");
        JsonObject targets = JsonParser.parseString(Files.readString(out.resolve("train.json")))
                .getAsJsonObject().getAsJsonObject("teacher_targets");
        // The teacher's 2048 tokens are longer than the student's 320, so the two cut the text
        // together at most once per teacher token: most of those places align.
        long teacherTokens = JsonLines.read(corpus).stream()
                .mapToLong(text -> ShippedModel.tokenizer().encode(text, false, false).length)
                .sum();
        assertThat(targets.get("aligned_positions").getAsLong())
                .isGreaterThan(teacherTokens / 2);
        assertThat(targets.get("next_token_agreement").getAsDouble()).isGreaterThan(0.9);
        assertThat(targets.get("documents_spelled_differently").getAsInt()).isZero();
    }

    @Test
    void trainsAModelTheEngineServesAndResumesItsCheckpoint() throws Exception {
        Path out = tmp.resolve("model");
        CliRun run = train(out, "32");
        assertThat(run.exitCode()).as(run.err()).isZero();
        // Redirected, progress is whole lines: the status is not cut at a terminal's width.
        assertThat(run.err()).containsPattern("4/4 .*last layer .*, lr .*, \\d+ tok/s");
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

        // The checkpoint keeps the loss of every step, so a resumed run draws its whole curve.
        assertThat(TrainingCheckpoint.lossCurves(out).training()).extracting(point -> point[0])
                .containsExactly(1.0, 2.0, 3.0, 4.0);

        CliRun again = train(out, "32");
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.err()).contains("resuming from the checkpoint at step 4");
        assertThat(JsonParser.parseString(again.out()).getAsJsonObject()
                .get("held_out_curve")).isEqualTo(report.get("held_out_curve"));

        CliRun other = train(out, "16");
        assertThat(other.exitCode()).isEqualTo(2);
        assertThat(other.err().strip()).doesNotContain("\n").contains("other settings");
    }

    @Test
    void evaluatesEveryExitOnHeldOutDocumentsAsItGoesWithoutChangingTheTraining()
            throws Exception {
        Path everyStep = tmp.resolve("evaluated-every-step");
        CliRun evaluated = train(everyStep, "32", "--eval-every", "1");
        assertThat(evaluated.exitCode()).as(evaluated.err()).isZero();
        Path atTheEnd = tmp.resolve("evaluated-at-the-end");
        CliRun once = train(atTheEnd, "32", "--eval-every", "0");
        assertThat(once.exitCode()).as(once.err()).isZero();

        assertThat(Files.readAllBytes(everyStep.resolve("model.safetensors")))
                .isEqualTo(Files.readAllBytes(atTheEnd.resolve("model.safetensors")));
        assertThat(evaluated.err()).containsPattern("4/4 .*, held-out \\d+\\.\\d{3}, lr");
        JsonObject report = JsonParser.parseString(evaluated.out()).getAsJsonObject();
        JsonArray curve = report.getAsJsonArray("held_out_curve");
        assertThat(curve).extracting(e -> e.getAsJsonObject().get("step").getAsInt())
                .containsExactly(1, 2, 3, 4);
        JsonArray last = curve.get(3).getAsJsonObject().getAsJsonArray("loss_by_exit_layer");
        assertThat(last).hasSize(3).isEqualTo(report.get("held_out_loss_by_exit_layer"));
        assertThat(curve.get(0).getAsJsonObject().getAsJsonArray("loss_by_exit_layer"))
                .isNotEqualTo(last);
        JsonObject onceReport = JsonParser.parseString(once.out()).getAsJsonObject();
        assertThat(onceReport.getAsJsonArray("held_out_curve")).hasSize(1);
        assertThat(onceReport.get("held_out_loss_by_exit_layer")).isEqualTo(last);
        assertThat(TrainingCheckpoint.lossCurves(everyStep).heldOut())
                .extracting(row -> row[0]).containsExactly(1.0, 2.0, 3.0, 4.0);
    }

    @Test
    void aStoppedRunSavesItsCheckpointAndTheSameCommandResumesIt() throws Exception {
        Path out = tmp.resolve("stopped");
        Path log = tmp.resolve("stopped.log");
        Process first = trainProcess(out, log);
        awaitLine(first, log, "(last layer");
        first.destroy();
        assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).as(Files.readString(log)).isEqualTo(143);
        Matcher stopped = Pattern.compile("stopped at step (\\d+)")
                .matcher(Files.readString(log));
        assertThat(stopped.find()).as(Files.readString(log)).isTrue();
        int step = Integer.parseInt(stopped.group(1));
        assertThat(step).isPositive();

        Process second = trainProcess(out, log);
        awaitLine(second, log, "resuming from the checkpoint at step " + step);
        second.destroy();
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    /** A long run in its own JVM, as a user starts it, so that it can be sent SIGTERM. */
    private static Process trainProcess(Path out, Path log) throws Exception {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx1g", "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"), Exitstream.class.getName(),
                "train", "--corpus", corpus.toString(), "--tokenizer", tokenizer.toString(),
                "--out", out.toString(), "--layers", "2", "--dim", "16", "--hidden", "32",
                "--heads", "2", "--kv-heads", "1", "--context", "16", "--steps", "1000000",
                "--batch", "2", "--micro-batch", "2", "--checkpoint-every", "1000000",
                "--held-out", "0.2", "--threads", "1")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitLine(Process process, Path log, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.readString(log).contains(text)) {
                return;
            }
            assertThat(process.isAlive()).as(Files.readString(log)).isTrue();
            Thread.sleep(100);
        }
        throw new AssertionError("no '" + text + "' in 60 s: " + Files.readString(log));
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
        CliRun half = CliRun.of("train", "--corpus", corpus.toString(), "--tokenizer",
                tokenizer.toString(), "--out", tmp.resolve("z").toString(), "--steps", "1",
                "--matmul", "half");
        assertThat(half.exitCode()).isEqualTo(2);
        assertThat(half.err().strip()).doesNotContain("\n")
                .contains("--matmul", "FLOAT32, BFLOAT16");
        CliRun negative = CliRun.of("train", "--corpus", corpus.toString(), "--tokenizer",
                tokenizer.toString(), "--out", tmp.resolve("w").toString(), "--steps", "1",
                "--eval-every", "-1");
        assertThat(negative.exitCode()).isEqualTo(2);
        assertThat(negative.err().strip()).doesNotContain("\n").contains("--eval-every");
    }
}
