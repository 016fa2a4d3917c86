package io.exitstream.cli;

import io.exitstream.compression.Corpus;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The model, its tokenizer and how long a scored sequence may be: shared by the offline jobs. */
final class TextModelOptions {

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "llama2.c .bin checkpoint or Hugging Face model directory.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "tokenizer.bin or tokenizer.json (default: found beside the model).")
    private Path tokenizer;

    @Option(names = "--seq-len", defaultValue = "256", paramLabel = "N",
            description = "Longest sequence scored or generated, in tokens; longer documents"
                    + " are cut (default: ${DEFAULT-VALUE}).")
    private int seqLen;

    /** The explicit tokenizer, or null to find it beside the model. */
    Path tokenizerPath() {
        return tokenizer;
    }

    LlamaWeights weights() {
        return ModelFormat.load(model);
    }

    Tokenizer tokenizer(LlamaWeights weights) {
        return TokenizerFiles.load(model, tokenizer, weights.config().vocabSize());
    }

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
