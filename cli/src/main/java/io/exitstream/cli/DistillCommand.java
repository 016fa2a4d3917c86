package io.exitstream.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.exitstream.compression.Corpus;
import io.exitstream.compression.ModelFiles;
import io.exitstream.compression.distill.DistillOptions;
import io.exitstream.compression.distill.Distiller;
import io.exitstream.compression.distill.LayerMap;
import io.exitstream.compression.nn.TrainingCheckpoint;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Heals a pruned student by distillation from its teacher and writes it as a Hugging Face
 * directory with a {@code distill.json} report. Checkpoints go to {@code OUT/checkpoint}; run
 * the same command again after an interruption and it resumes from there.
 */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = "Recover a pruned model by knowledge distillation from the original.")
final class DistillCommand implements Callable<Integer> {

    private static final double HELD_OUT = 0.1;

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--teacher", required = true, paramLabel = "PATH",
            description = "The model the student was pruned from.")
    private Path teacherPath;

    @Option(names = "--student", required = true, paramLabel = "PATH",
            description = "The model to train (e.g. exitstream prune's output).")
    private Path studentPath;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Output directory (Hugging Face format), checkpoints inside.")
    private Path out;

    @Option(names = "--temperature", defaultValue = "2.0",
            description = "Softmax temperature of both models (default: ${DEFAULT-VALUE}).")
    private double temperature;

    @Option(names = "--hidden-l2", defaultValue = "0", paramLabel = "W",
            description = "Weight of the hidden-state L2 on matching layers (default: none).")
    private double hiddenL2;

    @Option(names = "--steps", defaultValue = "200",
            description = "Optimizer steps (default: ${DEFAULT-VALUE}).")
    private int steps;

    @Option(names = "--batch", defaultValue = "4",
            description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    private int batch;

    @Option(names = "--lr", defaultValue = "3e-4",
            description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    private double learningRate;

    @Option(names = "--checkpoint-every", defaultValue = "50", paramLabel = "STEPS",
            description = "Steps between checkpoints (default: ${DEFAULT-VALUE}).")
    private int checkpointEvery;

    @Option(names = "--seq-len", defaultValue = "256", paramLabel = "N",
            description = "Longest training sequence in tokens (default: ${DEFAULT-VALUE}).")
    private int seqLen;

    @Mixin
    private CalibrationText data;

    @Mixin
    private ThreadsOption threads;

    @Override
    public Integer call() {
        DistillOptions options = validated();
        threads.apply();
        LlamaWeights teacher = ModelFormat.load(teacherPath);
        boolean resume = TrainingCheckpoint.exists(out);
        LlamaWeights student = resume ? TrainingCheckpoint.weights(out)
                : ModelFormat.load(studentPath);
        int[] layerMap = LayerMap.of(pruningReport(), teacher.config().layers(),
                student.config().layers(), options.hiddenL2() > 0);
        Corpus.Split split;
        try (LlamaModel model = LlamaModel.load(teacher)) {
            split = data.corpus(TokenizerFiles.load(teacherPath, null,
                    teacher.config().vocabSize()), Math.min(seqLen,
                    teacher.config().contextLength()), model).split(HELD_OUT);
        }
        JsonObject report = new JsonObject();
        try (Distiller distiller = new Distiller(teacher, student, layerMap, options)) {
            if (resume) {
                distiller.resume(TrainingCheckpoint.optimizer(out, distiller.optimizerState()));
                System.err.printf("distill: resuming from the checkpoint at step %d%n",
                        distiller.step());
            }
            report.addProperty("held_out_kl_before", distiller.heldOutKl(split.heldOut()));
            ConsoleProgress progress = new ConsoleProgress();
            progress.resume("distill", options.steps(), distiller.step());
            long start = System.nanoTime();
            long[] tokens = {0};
            distiller.train(split.train(), options.steps(), step -> {
                tokens[0] += step.tokens();
                double seconds = (System.nanoTime() - start) / 1e9;
                progress.extra(String.format("loss %.4f, %.0f tokens/s", step.loss(),
                        tokens[0] / seconds));
                progress.step();
                if (step.step() % options.checkpointEvery() == 0) {
                    TrainingCheckpoint.save(out, distiller.student(), distiller.optimizerState(),
                            new JsonObject());
                }
            });
            progress.end();
            report.addProperty("held_out_kl_after", distiller.heldOutKl(split.heldOut()));
            ModelFiles.write(distiller.student(), studentPath, null, out);
        }
        report.addProperty("steps", options.steps());
        report.addProperty("temperature", options.temperature());
        report.addProperty("hidden_l2", options.hiddenL2());
        report.addProperty("learning_rate", options.learningRate());
        report.add("layer_map", ints(layerMap));
        ModelFiles.writeJson(report, out.resolve("distill.json"));
        System.err.printf("distill: held-out KL to the teacher %.4f -> %.4f; wrote %s%n",
                report.get("held_out_kl_before").getAsDouble(),
                report.get("held_out_kl_after").getAsDouble(), out);
        return 0;
    }

    private DistillOptions validated() {
        try {
            DistillOptions options = new DistillOptions(temperature, hiddenL2, steps, batch,
                    learningRate, checkpointEvery);
            data.check();
            if (seqLen < 2) {
                throw new IllegalArgumentException("--seq-len must be at least 2, got " + seqLen);
            }
            for (Path p : new Path[] {teacherPath, studentPath}) {
                if (!Files.exists(p)) {
                    throw new IllegalArgumentException("model not found: " + p);
                }
            }
            return options;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** The student's pruning report, when {@code exitstream prune} wrote it. */
    private JsonObject pruningReport() {
        Path report = studentPath.resolve(PruneCommand.REPORT);
        if (!Files.isRegularFile(report)) {
            return null;
        }
        try {
            return JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonArray ints(int[] values) {
        JsonArray array = new JsonArray();
        for (int v : values) {
            array.add(v);
        }
        return array;
    }
}
