package io.exitstream.cli;

import io.exitstream.engine.checkpoint.GgufCheckpoint;
import io.exitstream.engine.checkpoint.GgufType;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.checkpoint.TensorDType;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.tokenizer.GgufVocabulary;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Converts a model between llama2.c, Hugging Face and GGUF formats, tokenizer included. Lossless
 * in float32: the converted model computes the same logits and the same token ids.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a model between the llama2c, hf and gguf formats, with its"
                + " tokenizer.")
final class ConvertCommand implements Callable<Integer> {

    /** The formats written; GGUF holds the tokenizer in its metadata. */
    enum Target {
        llama2c, hf, gguf
    }

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "Input model.")
    private Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "Input tokenizer (default: found beside the model).")
    private Path tokenizerPath;

    @Option(names = "--out", required = true, paramLabel = "PATH",
            description = "Output .bin file (llama2c), directory (hf) or .gguf file (gguf).")
    private Path out;

    @Option(names = "--to", description = "llama2c, hf or gguf (default: hf from llama2c,"
            + " llama2c from the others).")
    private Target to;

    @Option(names = "--dtype", defaultValue = "F32", description = "Weights: F32, F16, BF16"
            + " (hf, gguf) or Q8_0 (gguf) (default: ${DEFAULT-VALUE}).")
    private GgufType dtype;

    @Override
    public Integer call() {
        ModelFormat from = ModelFormat.detect(model);
        Target target = to != null ? to
                : from == ModelFormat.LLAMA2C ? Target.hf : Target.llama2c;
        LlamaWeights weights = from.read(model);
        int vocab = weights.config().vocabSize();
        Path source = TokenizerFiles.locate(model, tokenizerPath, vocab);

        Path written;
        if (target == Target.gguf) {
            GgufCheckpoint.write(weights, out, dtype, name(model),
                    GgufVocabulary.of(source, vocab).metadata());
            written = out;
        } else if (target == Target.hf) {
            io.exitstream.compression.ModelFiles.write(weights, model, tokenizerPath, out,
                    tensorDType(target));
            written = out.resolve("tokenizer.json");
        } else {
            SynthCommand.Format.llama2c.write(weights, out, tensorDType(target));
            // Beside the .bin, under the name TokenizerFiles looks for first.
            written = out.toAbsolutePath().resolveSibling("tok" + vocab + ".bin");
            GgufVocabulary.of(source, vocab).llama2c(source).write(written);
        }
        System.err.printf("convert: wrote the %s model to %s and its tokenizer to %s%n", target,
                out, written);
        return 0;
    }

    private TensorDType tensorDType(Target target) {
        return TensorDType.fromSafetensors(dtype.name()).orElseThrow(() ->
                new IllegalArgumentException(dtype + " is a GGUF type: use --to gguf, or F32,"
                        + " F16 or BF16 for " + target));
    }

    /** The model's name for GGUF's {@code general.name}: its folder's or file's. */
    private static String name(Path model) {
        String file = model.toAbsolutePath().normalize().getFileName().toString();
        int dot = file.lastIndexOf('.');
        return Files.isDirectory(model) || dot <= 0 ? file : file.substring(0, dot);
    }
}
