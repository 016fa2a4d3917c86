package io.exitstream.cli;

import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** A model on disk and its tokenizer: shared by the commands that read text. */
class ModelTokenizerOptions {

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "llama2.c .bin checkpoint or Hugging Face model directory.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "tokenizer.bin or tokenizer.json (default: found beside the model).")
    private Path tokenizer;

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
}
