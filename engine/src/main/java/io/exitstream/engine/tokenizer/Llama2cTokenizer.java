package io.exitstream.engine.tokenizer;

import io.exitstream.engine.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * llama2.c's tokenizer: a SentencePiece BPE vocabulary exported as {@code tokenizer.bin}
 * (int32 max_token_length, then per token float32 score, int32 length, bytes; little-endian).
 * Encoding reproduces run.c's {@code encode} id for id; decoding follows run.c's {@code decode}.
 * Ids 0, 1, 2 are {@code <unk>}, BOS and EOS; ids 3..258 are the byte pieces {@code <0x00>}..
 * {@code <0xFF>}.
 */
public final class Llama2cTokenizer implements Tokenizer {

    static final int BOS = 1;
    static final int EOS = 2;
    /** Byte b falls back to token b + 3: the byte pieces follow {@code <unk>}, BOS and EOS. */
    static final int BYTE_OFFSET = 3;
    static final int MIN_VOCAB_SIZE = BYTE_OFFSET + 256;
    /** run.c starts its best-merge search at this score: a piece scored at or below never forms. */
    static final float MERGE_SCORE_FLOOR = -1e10f;

    private final byte[][] pieces;
    private final float[] scores;
    private final int maxTokenLength;
    /** Piece bytes as ISO-8859-1 strings (one char per byte), so lookups compare raw bytes. */
    private final String[] keys;
    private final Map<String, Integer> ids;
    private final int longestPiece;
    /** What each token prints: byte pieces as their byte, BOS and EOS as nothing. */
    private final byte[][] decoded;

    Llama2cTokenizer(byte[][] pieces, float[] scores, int maxTokenLength) {
        if (pieces.length != scores.length) {
            throw new IllegalArgumentException(
                    pieces.length + " pieces but " + scores.length + " scores");
        }
        if (pieces.length < MIN_VOCAB_SIZE) {
            throw new IllegalArgumentException("a llama2.c vocabulary needs at least "
                    + MIN_VOCAB_SIZE + " tokens (3 special, 256 bytes), not " + pieces.length);
        }
        this.pieces = pieces;
        this.scores = scores;
        this.maxTokenLength = maxTokenLength;
        this.keys = new String[pieces.length];
        this.ids = new HashMap<>(pieces.length * 2);
        this.decoded = new byte[pieces.length][];
        int longest = 0;
        for (int id = 0; id < pieces.length; id++) {
            keys[id] = new String(pieces[id], StandardCharsets.ISO_8859_1);
            // A duplicated piece keeps its first id; run.c's bsearch would pick either.
            ids.putIfAbsent(keys[id], id);
            longest = Math.max(longest, pieces[id].length);
            decoded[id] = decodePiece(id, pieces[id]);
        }
        this.longestPiece = longest;
    }

    /**
     * Reads a llama2.c {@code tokenizer.bin} holding exactly {@code vocabSize} tokens, the
     * vocabulary size of the model it belongs to.
     *
     * @throws CheckpointException when the file cannot be read, is truncated or corrupt, or holds
     *     more tokens than {@code vocabSize}
     */
    public static Llama2cTokenizer load(Path file, int vocabSize) {
        if (vocabSize < MIN_VOCAB_SIZE) {
            throw new IllegalArgumentException("vocabulary size " + vocabSize + " is below "
                    + MIN_VOCAB_SIZE + " (3 special tokens and 256 byte tokens)");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CheckpointException("cannot read tokenizer " + file + ": " + e, e);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < Integer.BYTES) {
            throw new CheckpointException("tokenizer " + file + " is truncated: it has only "
                    + bytes.length + " bytes, not even the max_token_length header");
        }
        int maxTokenLength = in.getInt();
        if (maxTokenLength <= 0) {
            throw new CheckpointException("tokenizer " + file + " is corrupt: max_token_length is "
                    + maxTokenLength);
        }
        byte[][] pieces = new byte[vocabSize][];
        float[] scores = new float[vocabSize];
        for (int id = 0; id < vocabSize; id++) {
            if (in.remaining() < Float.BYTES + Integer.BYTES) {
                throw truncated(file, id, vocabSize, in.position());
            }
            scores[id] = in.getFloat();
            int length = in.getInt();
            if (length < 0 || length > maxTokenLength) {
                throw new CheckpointException("tokenizer " + file + " is corrupt: token " + id
                        + " has length " + length + " (max_token_length " + maxTokenLength + ")");
            }
            if (in.remaining() < length) {
                throw truncated(file, id, vocabSize, in.position());
            }
            pieces[id] = new byte[length];
            in.get(pieces[id]);
        }
        if (in.hasRemaining()) {
            throw new CheckpointException("tokenizer " + file + " has " + in.remaining()
                    + " bytes after its " + vocabSize + " tokens: it does not match a model with "
                    + "vocabulary size " + vocabSize);
        }
        return new Llama2cTokenizer(pieces, scores, maxTokenLength);
    }

    private static CheckpointException truncated(Path file, int id, int vocabSize, int offset) {
        return new CheckpointException("tokenizer " + file + " is truncated: it ends at byte "
                + offset + " inside token " + id + " of " + vocabSize);
    }

    /**
     * Writes this vocabulary as a llama2.c {@code tokenizer.bin}; a loaded file is written back
     * byte for byte.
     *
     * @throws CheckpointException when the file cannot be written
     */
    public void write(Path file) {
        int size = Integer.BYTES;
        for (byte[] piece : pieces) {
            size += Float.BYTES + Integer.BYTES + piece.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(maxTokenLength);
        for (int id = 0; id < pieces.length; id++) {
            out.putFloat(scores[id]);
            out.putInt(pieces[id].length);
            out.put(pieces[id]);
        }
        try {
            Files.write(file, out.array());
        } catch (IOException e) {
            throw new CheckpointException("cannot write tokenizer " + file + ": " + e, e);
        }
    }

    /**
     * Encodes like run.c: BOS, a dummy-prefix space token for non-empty text, one token per
     * UTF-8 code point (its bytes as byte tokens when the code point is not a piece), then
     * repeatedly the adjacent pair whose concatenation is the best-scored piece is merged,
     * leftmost first among equal scores; EOS last.
     */
    @Override
    public int[] encode(String text, boolean bos, boolean eos) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        // Symbols form a doubly linked list so a merge is O(1); a dead symbol has id -1.
        int capacity = utf8.length + 3;
        int[] symbol = new int[capacity];
        int count = 0;
        if (bos) {
            symbol[count++] = BOS;
        }
        if (utf8.length > 0) {
            symbol[count++] = ids.getOrDefault(" ", ' ' + BYTE_OFFSET);
        }
        for (int start = 0; start < utf8.length; ) {
            int length = utf8SequenceLength(utf8[start]);
            Integer id = ids.get(new String(utf8, start, length, StandardCharsets.ISO_8859_1));
            if (id != null) {
                symbol[count++] = id;
            } else {
                for (int i = start; i < start + length; i++) {
                    symbol[count++] = (utf8[i] & 0xFF) + BYTE_OFFSET;
                }
            }
            start += length;
        }
        mergeAll(symbol, count);
        int[] out = new int[capacity];
        int n = 0;
        for (int i = 0; i < count; i++) {
            if (symbol[i] >= 0) {
                out[n++] = symbol[i];
            }
        }
        if (eos) {
            out[n++] = EOS;
        }
        return Arrays.copyOf(out, n);
    }

    /** The byte length of the UTF-8 sequence that starts with {@code lead} (Java's are valid). */
    private static int utf8SequenceLength(byte lead) {
        int b = lead & 0xFF;
        if (b < 0xC0) {
            return 1;
        }
        return b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    }

    /** A mergeable adjacent pair, valid while its two symbols still hold these ids. */
    private record Candidate(float score, int left, int right, int leftId, int rightId,
            int mergedId) {
    }

    /**
     * run.c rescans all pairs after every merge (quadratic); a priority queue ordered by score,
     * then position, picks the same pair each step.
     */
    private void mergeAll(int[] symbol, int count) {
        int[] next = new int[count];
        int[] prev = new int[count];
        for (int i = 0; i < count; i++) {
            next[i] = i + 1 < count ? i + 1 : -1;
            prev[i] = i - 1;
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>((a, b) -> a.score() != b.score()
                ? (a.score() > b.score() ? -1 : 1)
                : Integer.compare(a.left(), b.left()));
        for (int i = 0; i + 1 < count; i++) {
            offer(queue, symbol, i, i + 1);
        }
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            if (next[c.left()] != c.right() || symbol[c.left()] != c.leftId()
                    || symbol[c.right()] != c.rightId()) {
                continue;
            }
            symbol[c.left()] = c.mergedId();
            symbol[c.right()] = -1;
            int after = next[c.right()];
            next[c.left()] = after;
            next[c.right()] = -1;
            if (after >= 0) {
                prev[after] = c.left();
                offer(queue, symbol, c.left(), after);
            }
            if (prev[c.left()] >= 0) {
                offer(queue, symbol, prev[c.left()], c.left());
            }
        }
    }

    private void offer(PriorityQueue<Candidate> queue, int[] symbol, int left, int right) {
        int leftId = symbol[left];
        int rightId = symbol[right];
        if (pieces[leftId].length + pieces[rightId].length > longestPiece) {
            return;
        }
        Integer merged = ids.get(keys[leftId] + keys[rightId]);
        // Same test as run.c: scores must beat its starting best (NaN never does).
        if (merged != null && scores[merged] > MERGE_SCORE_FLOOR) {
            queue.add(new Candidate(scores[merged], left, right, leftId, rightId, merged));
        }
    }

    /**
     * Bytes of {@code token} as run.c prints them: after BOS a leading space is dropped, a
     * {@code <0xHH>} piece is the byte HH; BOS and EOS print nothing.
     */
    @Override
    public byte[] decodeBytes(int previous, int token) {
        if (token < 0 || token >= pieces.length) {
            throw new IllegalArgumentException(
                    "token " + token + " is outside the vocabulary of " + pieces.length);
        }
        byte[] piece = pieces[token];
        // Byte pieces start with '<', so only a text piece can lose its space here.
        if (previous == BOS && piece.length > 0 && piece[0] == ' ') {
            return Arrays.copyOfRange(piece, 1, piece.length);
        }
        return decoded[token].clone();
    }

    private static byte[] decodePiece(int id, byte[] piece) {
        if (id == BOS || id == EOS) {
            return new byte[0];
        }
        int b = bytePieceValue(piece);
        return b >= 0 ? new byte[] {(byte) b} : piece;
    }

    /** The byte HH of a piece spelled exactly {@code <0xHH>}, or -1. */
    static int bytePieceValue(byte[] piece) {
        if (piece.length != 6 || piece[0] != '<' || piece[1] != '0' || piece[2] != 'x'
                || piece[5] != '>') {
            return -1;
        }
        int high = Character.digit(piece[3], 16);
        int low = Character.digit(piece[4], 16);
        return high < 0 || low < 0 ? -1 : high * 16 + low;
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public int bosId() {
        return BOS;
    }

    @Override
    public int eosId() {
        return EOS;
    }

    /** The raw bytes of token {@code id} as stored in tokenizer.bin. */
    byte[] piece(int id) {
        return pieces[id].clone();
    }

    float score(int id) {
        return scores[id];
    }
}
