package io.exitstream.cli;

import io.exitstream.compression.Corpus;
import io.exitstream.engine.model.LlamaWeights;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The model, its tokenizer and how long a scored sequence may be: shared by the offline jobs.
 */
final class TextModelOptions extends ModelTokenizerOptions {

    @Option(names = "--seq-len", defaultValue = "256", paramLabel = "N",
            description = "Longest sequence scored or generated, in tokens; longer documents"
                    + " are cut (default: ${DEFAULT-VALUE}).")
    private int seqLen;

    /** The sequence length, checked against the model's context. */
    int seqLen(LlamaWeights weights) {
        int context = weights.config().contextLength();
        if (seqLen < 2 || seqLen > context) {
            throw new IllegalArgumentException("--seq-len must be in 2.." + context + ", got "
                    + seqLen);
        }
        return seqLen;
    }

    /** A text file's documents as token sequences (see {@link Corpus#read}). */
    Corpus read(Path data, LlamaWeights weights) {
        return Corpus.read(data, tokenizer(weights), seqLen(weights));
    }
}
