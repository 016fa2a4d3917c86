package io.exitstream.engine.checkpoint;

import io.exitstream.engine.model.LlamaWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/** The checkpoint formats the engine reads, told apart by what a model path is. */
public enum ModelFormat {
    /** A llama2.c legacy {@code .bin} file. */
    LLAMA2C(Llama2cCheckpoint::read),
    /** A Hugging Face model directory with {@code config.json} and safetensors. */
    HUGGING_FACE(HuggingFaceCheckpoint::read),
    /** A llama.cpp GGUF file of the {@code llama} architecture. */
    GGUF(GgufCheckpoint::read);

    private final Function<Path, LlamaWeights> reader;

    ModelFormat(Function<Path, LlamaWeights> reader) {
        this.reader = reader;
    }

    /** Reads the model at {@code path}, which must be in this format. */
    public LlamaWeights read(Path path) {
        return reader.apply(path);
    }

    /** Reads the model at {@code path} in whichever format it is. */
    public static LlamaWeights load(Path path) {
        return detect(path).read(path);
    }

    /**
     * A directory with {@code config.json} is a Hugging Face model; a file starting with
     * {@code GGUF} is a GGUF file; a file with a plausible llama2.c header is a llama2.c
     * checkpoint (whose size is checked on reading).
     */
    public static ModelFormat detect(Path path) {
        if (!Files.exists(path)) {
            throw new CheckpointException("model not found: " + path);
        }
        if (Files.isDirectory(path)) {
            if (Files.exists(path.resolve(HuggingFaceConfig.FILE))) {
                return HUGGING_FACE;
            }
        } else if (GgufReader.hasMagic(path)) {
            return GGUF;
        } else if (Llama2cCheckpoint.hasHeader(path)) {
            return LLAMA2C;
        }
        throw new CheckpointException(path + " is neither a llama2.c .bin checkpoint, a GGUF file"
                + " nor a Hugging Face model directory (config.json)");
    }
}
