package io.exitstream.cli;

import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.GenerationRequest;
import io.exitstream.engine.runtime.Generator;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Sequence;
import io.exitstream.engine.runtime.TokenReport;
import io.exitstream.engine.sampling.SamplingParams;
import io.exitstream.engine.tokenizer.StreamingDecoder;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Continues a prompt, streaming text to stdout and the speed to stderr. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt; text goes to stdout, tokens/s to stderr.")
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "PATH",
            description = "llama2.c .bin checkpoint or Hugging Face model directory (default:"
                    + " the shipped models/" + DefaultModel.NAME + ").")
    private Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "tokenizer.bin or tokenizer.json (default: found beside the model).")
    private Path tokenizerPath;

    @Option(names = "--prompt", defaultValue = "", description = "Text to continue.")
    private String prompt;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "256",
            description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    private int maxTokens;

    @Option(names = "--temperature", defaultValue = "1.0",
            description = "0 for greedy (default: ${DEFAULT-VALUE}).")
    private float temperature;

    @Option(names = "--top-p", defaultValue = "0.9",
            description = "Nucleus sampling threshold, 1 to disable (default: ${DEFAULT-VALUE}).")
    private float topP;

    @Option(names = "--top-k", defaultValue = "0",
            description = "Keep the k most probable tokens, 0 to disable"
                    + " (default: ${DEFAULT-VALUE}).")
    private int topK;

    @Option(names = "--seed", description = "Random seed (default: the clock).")
    private Long seed;

    @Mixin
    private RuntimeOptions runtime;

    @Mixin
    private PlanOption planOption;

    @Override
    public Integer call() {
        SamplingParams sampling = new SamplingParams(temperature, topP, topK,
                seed != null ? seed : System.nanoTime());
        if (maxTokens <= 0) {
            throw new IllegalArgumentException("-n must be positive, got " + maxTokens);
        }
        Path model = DefaultModel.orDefault(this.model);
        LlamaWeights weights = ModelFormat.load(model);
        Tokenizer tokenizer = TokenizerFiles.load(model, tokenizerPath,
                weights.config().vocabSize());
        int[] ids = tokenizer.encode(prompt, true, false);
        int context = weights.config().contextLength();
        if (ids.length >= context) {
            throw new IllegalArgumentException("the prompt is " + ids.length + " tokens but the"
                    + " model's context is " + context + " positions; shorten it");
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (LlamaModel llama = runtime.load(weights);
                Generator generator = new Generator(llama, 1, context)) {
            generator.setPlan(planOption.plan(llama, model));
            out.print(prompt);
            StreamingDecoder decoder = new StreamingDecoder(tokenizer, ids[ids.length - 1]);
            // BOS as well as EOS: llama2.c models separate documents with BOS.
            int[] stops = tokenizer.stopIds();
            long start = System.nanoTime();
            Sequence sequence = generator.generate(
                    new GenerationRequest(ids, sampling, maxTokens, stops),
                    token -> out.print(decoder.accept(token)));
            double seconds = (System.nanoTime() - start) / 1e9;
            out.println(decoder.flush());
            out.flush();
            int n = sequence.generatedCount();
            double layers = sequence.reports().stream()
                    .mapToInt(TokenReport::layersExecuted).average().orElse(0);
            System.err.printf(Locale.ROOT, "generate: %d tokens in %.2f s, %.1f tokens/s, %.2f"
                    + " layers per token (%s)%n", n, seconds, n / seconds, layers,
                    sequence.finishReason().name().toLowerCase(Locale.ROOT));
        }
        return 0;
    }
}
