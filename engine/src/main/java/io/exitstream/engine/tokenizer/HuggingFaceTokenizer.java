package io.exitstream.engine.tokenizer;

import io.exitstream.engine.checkpoint.CheckpointException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A Hugging Face {@code tokenizer.json} with a Llama-style (SentencePiece BPE) or a byte-level
 * (GPT-2 style BPE) vocabulary. Encoding runs the Hugging Face tokenizers library (native code
 * shipped in its jar, no download); decoding reads the vocabulary itself, one token at a time.
 * SentencePiece pieces follow llama2.c's rules: ▁ is a space, {@code <0xHH>} is the byte HH, the
 * leading space after BOS is dropped. Byte-level pieces map each character back to its byte
 * through GPT-2's table, with no space to drop (their text has no dummy prefix). BOS and EOS
 * print nothing. Close it to free the native tokenizer.
 */
public final class HuggingFaceTokenizer implements Tokenizer, AutoCloseable {

    /** Special tokens are added by {@link #encode}, never by the library; long input is kept. */
    private static final Map<String, String> OPTIONS = Map.of(
            "addSpecialTokens", "false", "truncation", "false", "padding", "false");

    private final ai.djl.huggingface.tokenizers.HuggingFaceTokenizer library;
    private final String[] pieces;
    private final byte[][] decoded;
    private final int bos;
    private final int[] eos;
    private final boolean byteLevel;

    private HuggingFaceTokenizer(ai.djl.huggingface.tokenizers.HuggingFaceTokenizer library,
            TokenizerJson.Vocabulary vocabulary, int bos, int[] eos) {
        this.library = library;
        this.pieces = vocabulary.pieces();
        this.byteLevel = vocabulary.byteLevel();
        this.bos = bos;
        this.eos = eos.clone();
        this.decoded = new byte[pieces.length][];
        for (int id = 0; id < pieces.length; id++) {
            decoded[id] = byteLevel ? ByteLevel.decode(pieces[id]) : decodePiece(pieces[id]);
        }
        decoded[bos] = new byte[0];
        for (int id : eos) {
            decoded[id] = new byte[0];
        }
    }

    /**
     * Loads {@code tokenizer.json} (or the one in a model directory) with BOS and EOS being its
     * {@code <s>} and {@code </s>} tokens or, when it has none (Llama 3, Qwen), the ids that
     * the files beside it name ({@link SpecialTokens}), several EOS ids included.
     *
     * @throws CheckpointException when the file cannot be read or used, or BOS and EOS are
     *     found nowhere
     */
    public static HuggingFaceTokenizer load(Path path) {
        Path file = resolve(path);
        String json = TokenizerJson.readString(file);
        TokenizerJson.Vocabulary vocabulary = TokenizerJson.read(file, json);
        Integer bos = vocabulary.addedTokens().get(TokenizerJson.BOS_PIECE);
        Integer eos = vocabulary.addedTokens().get(TokenizerJson.EOS_PIECE);
        if (bos != null && eos != null) {
            return create(file, json, vocabulary, bos, new int[] {eos});
        }
        Map<String, Integer> ids = new HashMap<>();
        for (int id = 0; id < vocabulary.pieces().length; id++) {
            ids.putIfAbsent(vocabulary.pieces()[id], id);
        }
        SpecialTokens special = SpecialTokens.read(file.toAbsolutePath().getParent(), ids)
                .orElseThrow(() -> new CheckpointException("tokenizer " + file + " has no <s>"
                        + " and </s> tokens, and neither generation_config.json, config.json nor"
                        + " tokenizer_config.json beside it names BOS and EOS ids"));
        return create(file, json, vocabulary, special.bos(), special.eos());
    }

    /**
     * Loads {@code tokenizer.json} (or the one in a model directory) with BOS and EOS ids given
     * by the model's config.
     *
     * @throws CheckpointException when the file cannot be read or used, or the ids are not in it
     */
    public static HuggingFaceTokenizer load(Path path, int bosId, int eosId) {
        Path file = resolve(path);
        return fromJson(file, TokenizerJson.readString(file), bosId, eosId);
    }

    /** The tokenizer whose tokenizer.json is {@code json}, read from {@code file}. */
    static HuggingFaceTokenizer fromJson(Path file, String json, int bosId, int eosId) {
        return create(file, json, TokenizerJson.read(file, json), bosId, new int[] {eosId});
    }

    private static HuggingFaceTokenizer create(Path file, String json,
            TokenizerJson.Vocabulary vocabulary, int bos, int[] eos) {
        String[] pieces = vocabulary.pieces();
        for (int id : IntStream.concat(IntStream.of(bos), IntStream.of(eos)).toArray()) {
            if (id < 0 || id >= pieces.length) {
                throw new CheckpointException("tokenizer " + file + " has no token " + id
                        + " for BOS/EOS: its ids run from 0 to " + (pieces.length - 1));
            }
        }
        ai.djl.huggingface.tokenizers.HuggingFaceTokenizer library;
        try {
            library = ai.djl.huggingface.tokenizers.HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), OPTIONS);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException("tokenizer " + file
                    + " cannot be loaded by the Hugging Face tokenizers library: " + e, e);
        }
        return new HuggingFaceTokenizer(library, vocabulary, bos, eos);
    }

    private static Path resolve(Path path) {
        return Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
    }

    @Override
    public int[] encode(String text, boolean bos, boolean eos) {
        long[] ids = library.encode(text, false, false).getIds();
        int offset = bos ? 1 : 0;
        int[] out = new int[ids.length + offset + (eos ? 1 : 0)];
        if (bos) {
            out[0] = this.bos;
        }
        for (int i = 0; i < ids.length; i++) {
            out[i + offset] = Math.toIntExact(ids[i]);
        }
        if (eos) {
            out[out.length - 1] = this.eos[0];
        }
        return out;
    }

    @Override
    public byte[] decodeBytes(int previous, int token) {
        if (token < 0 || token >= pieces.length) {
            throw new IllegalArgumentException(
                    "token " + token + " is outside the vocabulary of " + pieces.length);
        }
        // Byte pieces start with '<', so only a text piece can lose its space here.
        if (!byteLevel && previous == bos && pieces[token].startsWith(TokenizerJson.SPACE)) {
            byte[] text = decoded[token];
            return Arrays.copyOfRange(text, 1, text.length);
        }
        return decoded[token].clone();
    }

    private static byte[] decodePiece(String piece) {
        byte[] utf8 = piece.getBytes(StandardCharsets.UTF_8);
        int b = Llama2cTokenizer.bytePieceValue(utf8);
        return b >= 0 ? new byte[] {(byte) b}
                : piece.replace(TokenizerJson.SPACE, " ").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public int bosId() {
        return bos;
    }

    @Override
    public int eosId() {
        return eos[0];
    }

    @Override
    public int[] eosIds() {
        return eos.clone();
    }

    /** Frees the native tokenizer; no method may be called afterwards. */
    @Override
    public void close() {
        library.close();
    }
}
