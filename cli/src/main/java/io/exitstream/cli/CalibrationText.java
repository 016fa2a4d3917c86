package io.exitstream.cli;

import io.exitstream.compression.Corpus;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.tokenizer.Tokenizer;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * The text a compression job learns from: a file, or sequences the model writes itself. Never
 * the text a plan is evaluated on.
 */
final class CalibrationText {

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Source source;

    private static final class Source {
        @Option(names = "--data", paramLabel = "FILE",
                description = "Calibration text: documents separated by blank lines, else one"
                        + " per line. Never the evaluation text.")
        private Path data;

        @Option(names = "--self-generate", paramLabel = "N",
                description = "Let the model write N sequences itself (temperature 1, from"
                        + " BOS, seeded by --seed).")
        private Integer generate;
    }

    @Option(names = "--seed", defaultValue = "1",
            description = "Seed of the generated text and of any training"
                    + " (default: ${DEFAULT-VALUE}).")
    long seed;

    /** Fails fast, before a model is loaded, on a count that cannot be split. */
    void check() {
        if (source.generate != null && source.generate < 2) {
            throw new IllegalArgumentException("--self-generate needs at least 2 sequences, got "
                    + source.generate);
        }
    }

    Corpus corpus(TextModelOptions input, LlamaWeights weights, LlamaModel model) {
        return corpus(input.tokenizer(weights), input.seqLen(weights), model);
    }

    /** The text as sequences of at most {@code seqLen} tokens; {@code model} writes it. */
    Corpus corpus(Tokenizer tokenizer, int seqLen, LlamaModel model) {
        return source.data != null ? Corpus.read(source.data, tokenizer, seqLen)
                : Corpus.generate(model, tokenizer, source.generate, seqLen, seed);
    }

    String describe() {
        return source.data != null ? source.data.toString()
                : "self-generated: " + source.generate + " sequences, seed " + seed;
    }
}
