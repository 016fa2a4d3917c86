package io.exitstream.cli;

import io.exitstream.engine.checkpoint.Llama2cCheckpoint;
import io.exitstream.engine.checkpoint.SyntheticModels;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A random-weight model in llama2.c's format with a llama2.c tokenizer beside it, written by the
 * test: what the format tests need when {@code ../shared}'s stories260K is not there. The
 * tokenizer is SentencePiece-style and nearly the smallest llama2.c allows: unknown, BOS, EOS,
 * one piece per byte ({@code <0xHH>}), so any text encodes, and the space, which every
 * SentencePiece vocabulary has (without it a Hugging Face conversion spells a space as the three
 * bytes of its {@code ▁}).
 */
final class SyntheticLlama2c {

    /** 3 special tokens, 256 byte tokens and the space. */
    static final int VOCAB = 260;
    /** stories260K's shape, on the byte vocabulary. */
    static final int BOS = 1;
    static final int EOS = 2;
    static final String SHAPE = "dim=64,hidden=172,layers=5,heads=8,kv_heads=4,vocab=" + VOCAB
            + ",seq=512";

    private SyntheticLlama2c() {
    }

    /**
     * Writes the model to {@code model} (a {@code .bin}) and its tokenizer beside it, under the
     * name the CLI looks for ({@code tok260.bin}). BOS and EOS never win a greedy pick, so that
     * generation runs for as many tokens as asked: their rows of the embedding, which is the
     * output head too, are zero, and so are their logits, below the largest of the others.
     */
    static Path write(Path model) {
        ModelConfig config = SyntheticModels.shape(SHAPE);
        LlamaWeights weights = SyntheticModels.random(config, 7);
        Arrays.fill(weights.tokenEmbedding(), BOS * config.dim(), (EOS + 1) * config.dim(), 0f);
        Llama2cCheckpoint.write(weights, model);
        writeTokenizer(tokenizerOf(model));
        return model;
    }

    static Path tokenizerOf(Path model) {
        return model.toAbsolutePath().resolveSibling("tok" + VOCAB + ".bin");
    }

    /** llama2.c's tokenizer.bin: max token length, then per token its score, length, bytes. */
    private static void writeTokenizer(Path file) {
        byte[][] pieces = new byte[VOCAB][];
        pieces[0] = "<unk>".getBytes(StandardCharsets.UTF_8);
        pieces[BOS] = "\n<s>\n".getBytes(StandardCharsets.UTF_8);
        pieces[EOS] = "\n</s>\n".getBytes(StandardCharsets.UTF_8);
        for (int b = 0; b < 256; b++) {
            pieces[3 + b] = String.format("<0x%02X>", b).getBytes(StandardCharsets.UTF_8);
        }
        pieces[VOCAB - 1] = " ".getBytes(StandardCharsets.UTF_8);
        int size = Integer.BYTES;
        int longest = 0;
        for (byte[] piece : pieces) {
            size += Float.BYTES + Integer.BYTES + piece.length;
            longest = Math.max(longest, piece.length);
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(longest);
        for (byte[] piece : pieces) {
            out.putFloat(0f);
            out.putInt(piece.length);
            out.put(piece);
        }
        try {
            Files.write(file, out.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
