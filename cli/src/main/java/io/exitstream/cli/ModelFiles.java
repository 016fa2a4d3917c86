package io.exitstream.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * A model on disk and, where it is not found beside it, its tokenizer: the same --model and
 * --tokenizer options as {@code serve}'s.
 */
final class ModelFiles {

    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "llama2.c .bin checkpoint or Hugging Face model directory.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "tokenizer.bin or tokenizer.json (default: found beside the model).")
    Path tokenizer;
}
