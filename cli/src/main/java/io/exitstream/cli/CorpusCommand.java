package io.exitstream.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import io.exitstream.compression.train.TeacherStories;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.LlamaModel;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Writes a training corpus sampled from a teacher model (sequence-level distillation) as JSON
 * Lines, one {@code {"text": ...}} document per line, and prints a JSON summary.
 */
@Command(name = "corpus", mixinStandardHelpOptions = true,
        description = "Sample a training corpus of documents from a teacher model.")
final class CorpusCommand implements Callable<Integer> {

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Mixin
    private TextModelOptions teacher;

    @Mixin
    private RuntimeOptions runtime;

    @Option(names = "--documents", required = true, paramLabel = "N",
            description = "Documents to sample.")
    private int documents;

    @Option(names = "--batch", defaultValue = "64",
            description = "Documents decoded together (default: ${DEFAULT-VALUE}).")
    private int batch;

    @Option(names = "--seed", defaultValue = "1",
            description = "Document i samples with seed SEED + i (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "The JSON Lines file to write.")
    private Path out;

    @Override
    public Integer call() {
        if (documents <= 0 || batch <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--documents and --batch must be positive");
        }
        LlamaWeights weights = teacher.weights();
        int maxTokens = seqLen(weights);
        Gson gson = new GsonBuilder().disableHtmlEscaping().create();
        ConsoleProgress progress = new ConsoleProgress();
        TeacherStories.Summary summary;
        long start = System.nanoTime();
        try (LlamaModel model = runtime.load(weights);
                BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            TeacherStories stories = new TeacherStories(model, teacher.tokenizer(weights),
                    maxTokens);
            progress.begin("corpus", documents);
            summary = stories.sample(documents, batch, seed, text -> {
                JsonObject line = new JsonObject();
                line.addProperty("text", text);
                try {
                    writer.write(gson.toJson(line));
                    writer.newLine();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                progress.step();
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            progress.end();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        JsonObject report = new JsonObject();
        report.addProperty("teacher", teacher.model.toString());
        report.addProperty("out", out.toString());
        report.addProperty("documents", summary.documents());
        report.addProperty("dropped_unfinished", summary.dropped());
        report.addProperty("teacher_tokens", summary.tokens());
        report.addProperty("bytes", summary.bytes());
        report.addProperty("seed", seed);
        report.addProperty("max_tokens", maxTokens);
        report.addProperty("seconds", Json.round(seconds));
        report.addProperty("tokens_per_second", Json.round(summary.tokens() / seconds));
        Json.print(report);
        return 0;
    }

    private int seqLen(LlamaWeights weights) {
        try {
            return teacher.seqLen(weights);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
