package io.exitstream.engine.tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A byte-level BPE vocabulary that {@link ByteLevelBpeTrainer} trained: pieces by id in the
 * byte-level alphabet ({@code <s>}, {@code </s>}, the 256 bytes, then merged pieces), merges
 * by rank, how the training corpus was segmented, and corpus statistics. {@link #write} saves
 * it as a standard tokenizer.json, which {@link HuggingFaceTokenizer#load(Path)} serves.
 */
public final class ByteLevelBpe {

    public static final int BOS = 0;
    public static final int EOS = 1;
    /** The id of byte 0; byte b is {@code FIRST_BYTE_ID + b}. */
    public static final int FIRST_BYTE_ID = 2;
    /** The id of the first merged piece. */
    public static final int FIRST_MERGE_ID = FIRST_BYTE_ID + 256;

    private static final Pattern SPECIALS = Pattern.compile(
            Pattern.quote(TokenizerJson.BOS_PIECE) + "|" + Pattern.quote(TokenizerJson.EOS_PIECE));

    private final List<String> pieces;
    private final List<String[]> merges;
    private final Map<String, int[]> trainedWords;
    private final Map<String, Integer> ids = new HashMap<>();
    private final Map<String, Integer> ranks = new HashMap<>();
    private final long documents;
    private final long bytes;
    private final long corpusTokens;

    ByteLevelBpe(List<String> pieces, List<String[]> merges, Map<String, int[]> trainedWords,
            long documents, long bytes, long corpusTokens) {
        this.pieces = List.copyOf(pieces);
        this.merges = List.copyOf(merges);
        this.trainedWords = trainedWords;
        this.documents = documents;
        this.bytes = bytes;
        this.corpusTokens = corpusTokens;
        for (int id = 0; id < pieces.size(); id++) {
            ids.putIfAbsent(pieces.get(id), id);
        }
        for (int rank = 0; rank < merges.size(); rank++) {
            ranks.putIfAbsent(merges.get(rank)[0] + " " + merges.get(rank)[1], rank);
        }
    }

    /** Every piece by id, in the byte-level alphabet (Ġ for a space). */
    public List<String> pieces() {
        return pieces;
    }

    /** The merges as (left, right) pieces, by rank (first learned first). */
    public List<String[]> merges() {
        return merges;
    }

    public int vocabSize() {
        return pieces.size();
    }

    /** Documents trained on. */
    public long documents() {
        return documents;
    }

    /** UTF-8 bytes trained on. */
    public long bytes() {
        return bytes;
    }

    /** Tokens the training corpus encodes to (no BOS or EOS). */
    public long corpusTokens() {
        return corpusTokens;
    }

    /**
     * The ids of {@code text} as training segmented it: each word of the training corpus as it
     * ended up after the last merge, any other word by applying the merges by rank.
     */
    public int[] segment(String text) {
        List<Integer> out = new ArrayList<>();
        Matcher special = SPECIALS.matcher(text);
        int start = 0;
        while (special.find()) {
            segment(text.substring(start, special.start()), out);
            out.add(special.group().equals(TokenizerJson.BOS_PIECE) ? BOS : EOS);
            start = special.end();
        }
        segment(text.substring(start), out);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Text between special tokens: the Hugging Face library takes {@code <s>} and
     * {@code </s>} out of the text before splitting it into words, so training does too.
     */
    static List<String> textParts(String text) {
        return List.of(SPECIALS.split(text, -1));
    }

    private void segment(String text, List<Integer> out) {
        for (String word : ByteLevel.preTokenize(text)) {
            int[] trained = trainedWords.get(word);
            if (trained != null) {
                for (int id : trained) {
                    out.add(id);
                }
            } else {
                for (String piece : applyMerges(word)) {
                    out.add(ids.get(piece));
                }
            }
        }
    }

    /** Merges the lowest-ranked adjacent pair, leftmost first, until none applies. */
    private List<String> applyMerges(String word) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < word.length(); i++) {
            parts.add(String.valueOf(word.charAt(i)));
        }
        while (parts.size() > 1) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < parts.size(); i++) {
                Integer rank = ranks.get(parts.get(i) + " " + parts.get(i + 1));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            parts.set(best, parts.get(best) + parts.remove(best + 1));
        }
        return parts;
    }

    /**
     * Writes a standard Hugging Face tokenizer.json: BPE without byte fallback or unknown token,
     * ByteLevel pre-tokenizer, post-processor and decoder, {@code <s>} and {@code </s>} as
     * special added tokens.
     *
     * @throws io.exitstream.engine.checkpoint.CheckpointException when it cannot be written
     */
    public void write(Path tokenizerJson) {
        TokenizerJson.writeByteLevel(pieces.toArray(String[]::new), merges, tokenizerJson,
                BOS, EOS);
    }
}
