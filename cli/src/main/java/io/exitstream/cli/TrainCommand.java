package io.exitstream.cli;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.exitstream.compression.ModelFiles;
import io.exitstream.compression.nn.LossCurves;
import io.exitstream.compression.nn.TorchLlama.MatmulPrecision;
import io.exitstream.compression.nn.TrainingCheckpoint;
import io.exitstream.compression.train.Initialization;
import io.exitstream.compression.train.JsonLines;
import io.exitstream.compression.train.LayerSkipOptions;
import io.exitstream.compression.train.LayerSkipTrainer;
import io.exitstream.compression.train.TeacherTargets;
import io.exitstream.compression.train.TokenWindows;
import io.exitstream.engine.checkpoint.HuggingFaceCheckpoint;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.checkpoint.TensorDType;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.runtime.Torch;
import io.exitstream.engine.tokenizer.HuggingFaceTokenizer;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Trains a Llama-architecture model from scratch with the LayerSkip recipe and writes it as a
 * Hugging Face directory (config.json, model.safetensors, tokenizer.json) with a
 * {@code train.json} report and a loss curve. Checkpoints go to {@code OUT/checkpoint}; the
 * same command run again after an interruption resumes there.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model from scratch for early exit (LayerSkip recipe).")
final class TrainCommand implements Callable<Integer> {

    static final String REPORT = "train.json";
    private static final int HELD_OUT_WINDOWS = 64;
    /** Exit status of a run stopped by a signal after saving its checkpoint (128 + SIGTERM). */
    private static final int STOPPED = 143;
    /** How long a signal waits for the current step and the checkpoint. */
    private static final long STOP_GRACE_SECONDS = 120;

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--corpus", required = true, paramLabel = "FILE",
            description = "Training documents, JSON Lines of {\"text\": ...}.")
    private Path corpus;

    @Option(names = "--tokenizer", required = true, paramLabel = "FILE",
            description = "tokenizer.json (e.g. from exitstream tokenizer); sets the vocabulary.")
    private Path tokenizerFile;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Output model directory (Hugging Face format), checkpoints inside.")
    private Path out;

    @Option(names = "--layers", defaultValue = "8", description = "Transformer blocks.")
    private int layers;

    @Option(names = "--dim", defaultValue = "128", description = "Residual width.")
    private int dim;

    @Option(names = "--hidden", defaultValue = "384", description = "Feed-forward width.")
    private int hidden;

    @Option(names = "--heads", defaultValue = "8", description = "Query heads.")
    private int heads;

    @Option(names = "--kv-heads", defaultValue = "4", description = "Key/value heads.")
    private int kvHeads;

    @Option(names = "--context", defaultValue = "256",
            description = "Training window and context length in tokens.")
    private int context;

    @Option(names = "--steps", required = true, description = "Optimizer steps.")
    private int steps;

    @Option(names = "--batch", defaultValue = "32", description = "Windows per step.")
    private int batch;

    @Option(names = "--micro-batch", defaultValue = "8",
            description = "Windows per forward pass.")
    private int microBatch;

    @Option(names = "--lr", defaultValue = "2e-3", description = "Peak learning rate.")
    private double learningRate;

    @Option(names = "--min-lr-ratio", defaultValue = "0.1",
            description = "Final learning rate relative to the peak (cosine decay).")
    private double minLearningRateRatio;

    @Option(names = "--warmup", defaultValue = "100", description = "Warm-up steps.")
    private int warmup;

    @Option(names = "--weight-decay", defaultValue = "0.1", description = "AdamW decay.")
    private double weightDecay;

    @Option(names = "--clip", defaultValue = "1.0", description = "Gradient norm clip.")
    private double clip;

    @Option(names = "--layer-drop", defaultValue = "0.1",
            description = "LayerSkip p_max: skip probability of the last layer.")
    private double layerDrop;

    @Option(names = "--exit-scale", defaultValue = "0.5",
            description = "LayerSkip e_scale: weight of the early-exit losses.")
    private double exitScale;

    @Option(names = "--exit-rotation", defaultValue = "2",
            description = "LayerSkip rotational curriculum: every R-th layer per step.")
    private int exitRotation;

    @Option(names = "--teacher", paramLabel = "DIR",
            description = "A model to distil logits from: with the same tokenizer, its logits;"
                    + " with another, its distribution over the pieces both vocabularies"
                    + " start tokens with, where the two tokenizations cut the text alike.")
    private Path teacherPath;

    @Option(names = "--distill-weight", defaultValue = "0",
            description = "Weight of the teacher's KL in the last layer's loss.")
    private double distillWeight;

    @Option(names = "--temperature", defaultValue = "2.0",
            description = "Distillation temperature.")
    private double temperature;

    @Option(names = "--held-out", defaultValue = "0.01",
            description = "Fraction of documents held out for evaluation.")
    private double heldOut;

    @Option(names = "--checkpoint-every", defaultValue = "100", paramLabel = "STEPS",
            description = "Steps between checkpoints.")
    private int checkpointEvery;

    @Option(names = "--eval-every", defaultValue = "250", paramLabel = "STEPS",
            description = "Steps between evaluations of every exit's loss on the held-out"
                    + " documents (default: ${DEFAULT-VALUE}; 0: only after the last step).")
    private int evalEvery;

    @Option(names = "--seed", defaultValue = "1", description = "Initialisation, data order"
            + " and layer dropout.")
    private long seed;

    @Option(names = "--threads", defaultValue = "1",
            description = "PyTorch threads (default: ${DEFAULT-VALUE}; two only pay on a quiet"
                    + " machine).")
    private int threads;

    @Option(names = "--matmul", defaultValue = "float32", paramLabel = "PRECISION",
            description = "Matrix products in float32 or bfloat16 (rounded operands; float32"
                    + " accumulation, weights and optimizer): faster where PyTorch's float32"
                    + " products are slow, as on AMD processors (default: ${DEFAULT-VALUE}).")
    private MatmulPrecision matmul;

    @Override
    public Integer call() {
        LayerSkipOptions options = validated();
        Torch.setThreads(threads);
        JsonObject settings = settings(options);
        boolean resume = TrainingCheckpoint.exists(out);
        if (resume && !TrainingCheckpoint.settings(out).equals(settings)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "the checkpoint in "
                    + out + " was made with other settings ("
                    + TrainingCheckpoint.settings(out) + "); use them, or another --out");
        }
        List<String> documents = JsonLines.read(corpus);
        int every = Math.max(2, (int) Math.round(1 / heldOut));
        List<String> train = new ArrayList<>();
        List<String> held = new ArrayList<>();
        for (int i = 0; i < documents.size(); i++) {
            (i % every == every - 1 ? held : train).add(documents.get(i));
        }
        TokenWindows trainWindows;
        TokenWindows heldOutWindows;
        int vocab;
        int[] specialTokens;
        if (teacherPath != null && distillWeight == 0) {
            System.err.println("train: --teacher is not used without a --distill-weight");
        }
        LlamaWeights teacher = teacherPath == null || distillWeight == 0 ? null
                : ModelFormat.load(teacherPath);
        TeacherTargets targets = null;
        JsonObject report = new JsonObject();
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.load(tokenizerFile)) {
            vocab = tokenizer.vocabSize();
            specialTokens = new int[] {tokenizer.bosId(), tokenizer.eosId()};
            trainWindows = TokenWindows.pack(train, tokenizer, context, seed);
            heldOutWindows = TokenWindows.pack(held, tokenizer, context, seed);
            if (teacher != null && teacher.config().vocabSize() != vocab) {
                targets = teacherTargets(train, tokenizer, teacher);
                report.add("teacher_targets", summary(targets));
                teacher = null;
            }
        }
        ModelConfig config = config(vocab);
        LlamaWeights start = resume ? TrainingCheckpoint.weights(out)
                : Initialization.of(config, seed);
        report.addProperty("parameters", config.parameterCount());
        report.addProperty("documents", train.size());
        report.addProperty("held_out_documents", held.size());
        report.addProperty("corpus_tokens", trainWindows.tokens());
        report.addProperty("windows_per_epoch", trainWindows.count());
        report.addProperty("epochs", Json.round((double) steps * batch / trainWindows.count()));
        System.err.printf("train: %,d parameters, %,d training tokens in %,d windows;"
                + " %d steps of %d windows = %.2f epochs%n", config.parameterCount(),
                trainWindows.tokens(), trainWindows.count(), steps, batch,
                report.get("epochs").getAsDouble());
        LossCurves curves = resume ? TrainingCheckpoint.lossCurves(out) : new LossCurves();
        try (LayerSkipTrainer trainer = targets == null
                ? new LayerSkipTrainer(start, teacher, options)
                : LayerSkipTrainer.distillingAcrossVocabularies(start, targets, options)) {
            if (resume) {
                trainer.resume(TrainingCheckpoint.optimizer(out, trainer.optimizerState()));
                System.err.printf("train: resuming from the checkpoint at step %d%n",
                        trainer.step());
            }
            ConsoleProgress progress = new ConsoleProgress();
            progress.resume("train", steps, trainer.step());
            long begin = System.nanoTime();
            long[] tokens = {0};
            // Evaluations pause training; tokens/s counts the training alone.
            long[] evaluating = {0};
            Runnable saveCheckpoint = () -> TrainingCheckpoint.save(out, trainer.weights(),
                    trainer.optimizerState(), settings, curves);
            Consumer<LayerSkipTrainer.Step> onStep = step -> {
                tokens[0] += step.tokens();
                curves.addTraining(step.step(), step.lastLayerLoss());
                if (step.step() == steps || (evalEvery > 0 && step.step() % evalEvery == 0)) {
                    long evaluation = System.nanoTime();
                    curves.addHeldOut(step.step(),
                            trainer.heldOutLoss(heldOutWindows, HELD_OUT_WINDOWS));
                    evaluating[0] += System.nanoTime() - evaluation;
                }
                double seconds = (System.nanoTime() - begin - evaluating[0]) / 1e9;
                progress.extra(String.format("loss %.3f (last layer %.3f)%s, lr %.2g,"
                        + " %.0f tok/s", step.loss(), step.lastLayerLoss(),
                        lastHeldOut(curves), step.learningRate(), tokens[0] / seconds));
                progress.step();
                if (step.step() % checkpointEvery == 0 || step.step() == steps) {
                    saveCheckpoint.run();
                }
            };
            if (!trainUntilDoneOrStopped(trainer, trainWindows, onStep, saveCheckpoint)) {
                progress.end();
                return STOPPED;
            }
            progress.end();
            double seconds = (System.nanoTime() - begin) / 1e9;
            report.addProperty("seconds_this_run", Json.round(seconds));
            report.addProperty("seconds_evaluating", Json.round(evaluating[0] / 1e9));
            report.addProperty("tokens_per_second",
                    Json.round(tokens[0] / (seconds - evaluating[0] / 1e9)));
            double[] losses = curves.heldOutAt(steps);
            if (losses == null) {
                // A finished run resumed from a checkpoint written before the last evaluation.
                losses = trainer.heldOutLoss(heldOutWindows, HELD_OUT_WINDOWS);
                curves.addHeldOut(steps, losses);
            }
            report.add("held_out_loss_by_exit_layer", array(losses));
            report.add("held_out_curve", heldOutCurve(curves));
            LlamaWeights trained = trainer.weights();
            HuggingFaceCheckpoint.write(trained, out, TensorDType.F32);
            copy(tokenizerFile, out.resolve("tokenizer.json"));
            recordSpecialTokens(specialTokens);
            System.err.printf("train: held-out loss %.4f nats/token after the last layer; wrote"
                    + " %s%n", losses[losses.length - 1], out);
        }
        report.add("settings", settings);
        ModelFiles.writeJson(report, out.resolve(REPORT));
        if (!curves.training().isEmpty()) {
            TrainingChart.write(curves, out.resolve("loss.png"));
        }
        Json.print(report);
        return 0;
    }

    /**
     * The teacher's distributions for the training documents, folded into the pieces both
     * tokenizers share: distillation across vocabularies.
     */
    private TeacherTargets teacherTargets(List<String> documents, Tokenizer student,
            LlamaWeights teacher) {
        Tokenizer teacherTokenizer = TokenizerFiles.load(teacherPath, null,
                teacher.config().vocabSize());
        ConsoleProgress progress = new ConsoleProgress();
        TeacherTargets targets;
        try {
            targets = TeacherTargets.compute(documents, student, teacher, teacherTokenizer,
                    temperature, progress);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--teacher "
                    + teacherPath + ": " + e.getMessage());
        }
        TeacherTargets.Summary s = targets.summary();
        System.err.printf("train: the teacher's vocabulary is another; distilling over %d shared"
                + " pieces at %.1f%% of the positions (where both tokenizations cut the text),"
                + " whose next tokens fall in the same piece %.1f%% of the time%n",
                targets.classes().count(), 100.0 * s.aligned() / s.positions(),
                100 * s.agreement());
        return targets;
    }

    private static JsonObject summary(TeacherTargets targets) {
        TeacherTargets.Summary s = targets.summary();
        JsonObject json = new JsonObject();
        json.addProperty("shared_pieces", targets.classes().count());
        json.addProperty("kept_per_position", TeacherTargets.TOP);
        json.addProperty("positions", s.positions());
        json.addProperty("aligned_positions", s.aligned());
        json.addProperty("next_token_agreement", Json.round(s.agreement()));
        json.addProperty("documents_spelled_differently", s.skippedDocuments());
        return json;
    }

    /**
     * Trains step by step until done; on SIGTERM or Ctrl-C the current step finishes and a
     * checkpoint is saved before the JVM exits. Returns whether training got to the end.
     */
    private boolean trainUntilDoneOrStopped(LayerSkipTrainer trainer, TokenWindows windows,
            Consumer<LayerSkipTrainer.Step> onStep, Runnable saveCheckpoint) {
        AtomicBoolean stopRequested = new AtomicBoolean();
        CountDownLatch saved = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stopRequested.set(true);
            try {
                saved.await(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "train-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            while (trainer.step() < steps && !stopRequested.get()) {
                trainer.train(windows, trainer.step() + 1, onStep);
            }
            if (stopRequested.get()) {
                saveCheckpoint.run();
                // Said before the hook is released: the JVM halts right after it returns.
                System.err.printf("%ntrain: stopped at step %d; the checkpoint in %s is saved,"
                        + " run the same command to resume%n", trainer.step(), out);
                return false;
            }
            Runtime.getRuntime().removeShutdownHook(hook);
            return true;
        } finally {
            saved.countDown();
        }
    }

    private LayerSkipOptions validated() {
        try {
            if (!Files.isRegularFile(corpus)) {
                throw new IllegalArgumentException("corpus not found: " + corpus);
            }
            if (!Files.isRegularFile(tokenizerFile)) {
                throw new IllegalArgumentException("tokenizer not found: " + tokenizerFile);
            }
            if (!(heldOut > 0 && heldOut < 0.5) || checkpointEvery <= 0 || threads <= 0
                    || evalEvery < 0) {
                throw new IllegalArgumentException("--held-out must be in (0, 0.5),"
                        + " --checkpoint-every and --threads positive, --eval-every 0 or more");
            }
            if (teacherPath != null && !Files.exists(teacherPath)) {
                throw new IllegalArgumentException("teacher not found: " + teacherPath);
            }
            config(2);
            return new LayerSkipOptions(steps, batch, microBatch, learningRate,
                    minLearningRateRatio, warmup, weightDecay, clip, layerDrop, exitScale,
                    exitRotation, distillWeight, temperature, seed, matmul);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private ModelConfig config(int vocab) {
        return ModelConfig.llama2c(dim, hidden, layers, heads, kvHeads, vocab, context, true);
    }

    /** Everything a resumed run must share with the run that wrote the checkpoint. */
    private JsonObject settings(LayerSkipOptions options) {
        JsonObject s = new JsonObject();
        s.addProperty("corpus", corpus.getFileName().toString());
        s.addProperty("layers", layers);
        s.addProperty("dim", dim);
        s.addProperty("hidden", hidden);
        s.addProperty("heads", heads);
        s.addProperty("kv_heads", kvHeads);
        s.addProperty("context", context);
        s.add("options", new Gson().toJsonTree(options));
        s.addProperty("held_out", heldOut);
        s.addProperty("teacher", teacherPath == null ? "" : teacherPath.toString());
        return s;
    }

    /** The last evaluation's loss after the last layer, for the progress line. */
    private static String lastHeldOut(LossCurves curves) {
        List<double[]> evaluations = curves.heldOut();
        if (evaluations.isEmpty()) {
            return "";
        }
        double[] last = evaluations.get(evaluations.size() - 1);
        return String.format(", held-out %.3f", last[last.length - 1]);
    }

    private static JsonArray heldOutCurve(LossCurves curves) {
        JsonArray json = new JsonArray();
        for (double[] row : curves.heldOut()) {
            JsonObject evaluation = new JsonObject();
            evaluation.addProperty("step", (int) row[0]);
            evaluation.add("loss_by_exit_layer",
                    array(Arrays.copyOfRange(row, 1, row.length)));
            json.add(evaluation);
        }
        return json;
    }

    /** config.json names BOS and EOS as our tokenizer numbers them, for other loaders. */
    private void recordSpecialTokens(int[] bosAndEos) {
        Path config = out.resolve("config.json");
        try {
            JsonObject json = JsonParser.parseString(Files.readString(config)).getAsJsonObject();
            json.addProperty("bos_token_id", bosAndEos[0]);
            json.addProperty("eos_token_id", bosAndEos[1]);
            ModelFiles.writeJson(json, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonArray array(double[] values) {
        JsonArray array = new JsonArray();
        for (double v : values) {
            array.add(Json.round(v));
        }
        return array;
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
