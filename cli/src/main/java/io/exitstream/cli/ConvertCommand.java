package io.exitstream.cli;

import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.checkpoint.TensorDType;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.tokenizer.Llama2cTokenizer;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import io.exitstream.engine.tokenizer.TokenizerJson;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Converts a model between llama2.c and Hugging Face formats, tokenizer included. Lossless in
 * float32: the converted model computes the same logits and the same token ids.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a model between the llama2c and hf formats, with its tokenizer.")
final class ConvertCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "Input model.")
    private Path model;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "Input tokenizer (default: found beside the model).")
    private Path tokenizerPath;

    @Option(names = "--out", required = true, paramLabel = "PATH",
            description = "Output .bin file (llama2c) or directory (hf).")
    private Path out;

    @Option(names = "--to", description = "llama2c or hf (default: the other format).")
    private SynthCommand.Format to;

    @Option(names = "--dtype", defaultValue = "F32",
            description = "Weights in the hf format: F32, F16 or BF16 (default: ${DEFAULT-VALUE}).")
    private TensorDType dtype;

    @Override
    public Integer call() {
        ModelFormat from = ModelFormat.detect(model);
        SynthCommand.Format target = to != null ? to
                : from == ModelFormat.LLAMA2C ? SynthCommand.Format.hf
                : SynthCommand.Format.llama2c;
        LlamaWeights weights = from.read(model);
        int vocab = weights.config().vocabSize();
        Path source = TokenizerFiles.locate(model, tokenizerPath, vocab);
        Llama2cTokenizer tokenizer = TokenizerFiles.isJson(source)
                ? TokenizerJson.readAsLlama2c(source)
                : Llama2cTokenizer.load(source, vocab);

        target.write(weights, out, dtype);
        Path written;
        if (target == SynthCommand.Format.hf) {
            written = out.resolve("tokenizer.json");
            TokenizerJson.write(tokenizer, written);
        } else {
            // Beside the .bin, under the name TokenizerFiles looks for first.
            written = out.toAbsolutePath().resolveSibling("tok" + vocab + ".bin");
            tokenizer.write(written);
        }
        System.err.printf("convert: wrote the %s model to %s and its tokenizer to %s%n", target,
                out, written);
        return 0;
    }
}
