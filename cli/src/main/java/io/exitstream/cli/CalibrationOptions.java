package io.exitstream.cli;

import io.exitstream.compression.Corpus;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;
import io.exitstream.engine.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Where calibration or training text comes from: a file, or the model's own samples. */
final class CalibrationOptions {

    @ArgGroup(exclusive = true)
    private Source source;

    private static final class Source {
        @Option(names = "--data", paramLabel = "FILE",
                description = "Plain text: documents separated by blank lines, or one per line.")
        private Path data;

        @Option(names = "--self-generate", paramLabel = "N",
                description = "Sample N sequences from the model at temperature 1 instead.")
        private Integer selfGenerate;
    }

    @Option(names = "--seq-len", defaultValue = "256", paramLabel = "TOKENS",
            description = "Longest sequence, BOS included (default: ${DEFAULT-VALUE}).")
    private int maxTokens;

    @Option(names = "--data-seed", defaultValue = "1234", paramLabel = "SEED",
            description = "Seed of self-generated text (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--threads", defaultValue = "1",
            description = "PyTorch threads (default: ${DEFAULT-VALUE}; small models run op by op"
                    + " fastest on one, and two threads on a busy machine gave NaN gradients).")
    private int threads;

    /** Sets PyTorch's thread count for the passes over this text. */
    void applyThreads() {
        Torch.setThreads(threads);
    }

    /** Checks what can be checked without reading the model; {@code why} names the job. */
    void validate(String why) {
        if (source == null) {
            throw new IllegalArgumentException(why + " needs calibration text: give --data FILE"
                    + " or --self-generate N");
        }
        if (source.data != null && !Files.isRegularFile(source.data)) {
            throw new IllegalArgumentException("calibration file not found: " + source.data);
        }
        if (source.selfGenerate != null && source.selfGenerate <= 0) {
            throw new IllegalArgumentException("--self-generate must be positive, got "
                    + source.selfGenerate);
        }
        if (maxTokens < 2) {
            throw new IllegalArgumentException("--seq-len must be at least 2, got " + maxTokens);
        }
    }

    /** The text as token sequences; self-generation loads {@code weights} in the engine. */
    Corpus corpus(LlamaWeights weights, Tokenizer tokenizer) {
        int length = Math.min(maxTokens, weights.config().contextLength());
        if (source.data != null) {
            return Corpus.read(source.data, tokenizer, length);
        }
        try (LlamaModel model = LlamaModel.load(weights)) {
            return Corpus.generate(model, tokenizer, source.selfGenerate, length, seed);
        }
    }
}
