package io.exitstream.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * Trains a byte-level BPE (GPT-2 style) vocabulary. Ids 0 and 1 are {@code <s>} and
 * {@code </s>}, ids 2 to 257 the 256 bytes (id 2 + b for byte b), then one token per merge.
 * Documents are split by {@link ByteLevel#preTokenize} exactly as Hugging Face's ByteLevel
 * pre-tokenizer does, and the most frequent adjacent pair is merged until the vocabulary is
 * full (ties go to the pair whose left, then right, piece sorts first), so that applying the
 * merges by rank, as the Hugging Face library does, reproduces the training segmentation.
 * A literal {@code <s>} or {@code </s>} in a document is the special token, as the library
 * reads it, and no merge spans it.
 *
 * <p>Feed documents with {@link #add}, then call {@link #train} once. Not thread-safe.
 */
public final class ByteLevelBpeTrainer {

    /** The specials and the 256 bytes, plus at least one merge. */
    public static final int MIN_VOCAB_SIZE = ByteLevelBpe.FIRST_MERGE_ID + 1;
    public static final int MAX_VOCAB_SIZE = 65536;

    private final int vocabSize;
    private final Map<String, long[]> wordCounts = new HashMap<>();
    private long documents;
    private long bytes;
    private boolean trained;

    /**
     * @throws IllegalArgumentException when {@code vocabSize} is outside
     *     {@value #MIN_VOCAB_SIZE} to {@value #MAX_VOCAB_SIZE}
     */
    public ByteLevelBpeTrainer(int vocabSize) {
        if (vocabSize < MIN_VOCAB_SIZE || vocabSize > MAX_VOCAB_SIZE) {
            throw new IllegalArgumentException("vocabulary size must be in " + MIN_VOCAB_SIZE
                    + ".." + MAX_VOCAB_SIZE + " (2 specials, 256 bytes, then merges), got "
                    + vocabSize);
        }
        this.vocabSize = vocabSize;
    }

    /** Trains on {@code documents}; {@code progress} gets the number of merges done so far. */
    public static ByteLevelBpe train(Iterable<String> documents, int vocabSize,
            IntConsumer progress) {
        ByteLevelBpeTrainer trainer = new ByteLevelBpeTrainer(vocabSize);
        for (String document : documents) {
            trainer.add(document);
        }
        return trainer.train(progress);
    }

    /** Counts one document's words. */
    public void add(String document) {
        if (trained) {
            throw new IllegalStateException("this trainer has already trained");
        }
        documents++;
        bytes += document.getBytes(StandardCharsets.UTF_8).length;
        for (String part : ByteLevelBpe.textParts(document)) {
            for (String word : ByteLevel.preTokenize(part)) {
                wordCounts.computeIfAbsent(word, w -> new long[1])[0]++;
            }
        }
    }

    /** The merges {@link #train} aims for: the vocabulary size less the specials and bytes. */
    public int targetMerges() {
        return vocabSize - ByteLevelBpe.FIRST_MERGE_ID;
    }

    public long documents() {
        return documents;
    }

    public long bytes() {
        return bytes;
    }

    /**
     * Merges pairs until the vocabulary has the size asked for, or no pair is left (a small
     * corpus); {@code progress} gets the number of merges done after each one.
     */
    public ByteLevelBpe train(IntConsumer progress) {
        if (trained) {
            throw new IllegalStateException("this trainer has already trained");
        }
        trained = true;
        return new Run(progress).train();
    }

    /** One training run: words as symbol arrays, pair counts, and pair to words index. */
    private final class Run {

        private final IntConsumer progress;
        private final List<String> pieces = new ArrayList<>();
        private final Map<String, Integer> ids = new HashMap<>();
        private final List<String[]> merges = new ArrayList<>();
        private final String[] words;
        private final int[][] symbols;
        private final int[] lengths;
        private final long[] counts;
        private final Map<Long, long[]> pairCounts = new HashMap<>();
        /** Words that held the pair at some point (appended to, never pruned). */
        private final Map<Long, IntList> pairWords = new HashMap<>();
        private final PriorityQueue<Candidate> queue = new PriorityQueue<>(this::compare);
        /** The merge that last touched each word, so that a word is merged once per merge. */
        private final int[] stamp;

        Run(IntConsumer progress) {
            this.progress = progress;
            pieces.add(TokenizerJson.BOS_PIECE);
            pieces.add(TokenizerJson.EOS_PIECE);
            for (int b = 0; b < 256; b++) {
                String piece = String.valueOf(ByteLevel.byteChar(b));
                ids.put(piece, pieces.size());
                pieces.add(piece);
            }
            int n = wordCounts.size();
            words = new String[n];
            symbols = new int[n][];
            lengths = new int[n];
            counts = new long[n];
            stamp = new int[n];
            Arrays.fill(stamp, -1);
            int w = 0;
            for (Map.Entry<String, long[]> entry : wordCounts.entrySet()) {
                String word = entry.getKey();
                words[w] = word;
                counts[w] = entry.getValue()[0];
                symbols[w] = new int[word.length()];
                for (int i = 0; i < word.length(); i++) {
                    symbols[w][i] = ids.get(String.valueOf(word.charAt(i)));
                }
                lengths[w] = word.length();
                for (int i = 0; i + 1 < lengths[w]; i++) {
                    long pair = pair(symbols[w][i], symbols[w][i + 1]);
                    pairCounts.computeIfAbsent(pair, p -> new long[1])[0] += counts[w];
                    pairWords.computeIfAbsent(pair, p -> new IntList()).addOnce(w);
                }
                w++;
            }
            pairCounts.forEach((pair, count) -> queue.add(new Candidate(pair, count[0])));
        }

        ByteLevelBpe train() {
            while (pieces.size() < vocabSize) {
                Candidate best = queue.poll();
                if (best == null) {
                    break;
                }
                long[] current = pairCounts.get(best.pair);
                long count = current == null ? 0 : current[0];
                if (count != best.count) {
                    if (count > 0) {
                        queue.add(new Candidate(best.pair, count));
                    }
                    continue;
                }
                merge(best.pair);
                progress.accept(merges.size());
            }
            Map<String, int[]> segmentation = new LinkedHashMap<>();
            long tokens = 0;
            for (int w = 0; w < words.length; w++) {
                segmentation.put(words[w], Arrays.copyOf(symbols[w], lengths[w]));
                tokens += counts[w] * lengths[w];
            }
            return new ByteLevelBpe(pieces, merges, segmentation, documents, bytes, tokens);
        }

        private void merge(long pair) {
            int left = (int) (pair >>> 32);
            int right = (int) pair;
            String merged = pieces.get(left) + pieces.get(right);
            Integer existing = ids.get(merged);
            int id = existing != null ? existing : pieces.size();
            if (existing == null) {
                ids.put(merged, id);
                pieces.add(merged);
            }
            int mergeIndex = merges.size();
            merges.add(new String[] {pieces.get(left), pieces.get(right)});
            Set<Long> grown = new HashSet<>();
            IntList candidates = pairWords.get(pair);
            for (int k = 0; k < candidates.size; k++) {
                int w = candidates.values[k];
                if (stamp[w] == mergeIndex) {
                    continue;
                }
                stamp[w] = mergeIndex;
                mergeInWord(w, left, right, id, grown);
            }
            pairCounts.remove(pair);
            pairWords.remove(pair);
            for (long p : grown) {
                long[] count = pairCounts.get(p);
                if (count != null && count[0] > 0) {
                    queue.add(new Candidate(p, count[0]));
                }
            }
        }

        /** Replaces each (left, right) in word w, left to right, and updates pair counts. */
        private void mergeInWord(int w, int left, int right, int id, Set<Long> grown) {
            int[] s = symbols[w];
            int n = lengths[w];
            boolean found = false;
            for (int i = 0; i + 1 < n; i++) {
                if (s[i] == left && s[i + 1] == right) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return;
            }
            long count = counts[w];
            addPairs(s, n, -count);
            int out = 0;
            for (int i = 0; i < n; i++) {
                if (i + 1 < n && s[i] == left && s[i + 1] == right) {
                    s[out++] = id;
                    i++;
                } else {
                    s[out++] = s[i];
                }
            }
            lengths[w] = out;
            addPairs(s, out, count);
            for (int i = 0; i + 1 < out; i++) {
                if (s[i] == id || s[i + 1] == id) {
                    long p = pair(s[i], s[i + 1]);
                    pairWords.computeIfAbsent(p, q -> new IntList()).addOnce(w);
                    grown.add(p);
                }
            }
        }

        private void addPairs(int[] s, int n, long delta) {
            for (int i = 0; i + 1 < n; i++) {
                long p = pair(s[i], s[i + 1]);
                long[] count = pairCounts.computeIfAbsent(p, q -> new long[1]);
                count[0] += delta;
                if (count[0] == 0) {
                    pairCounts.remove(p);
                }
            }
        }

        /** Most frequent first; ties to the pair whose left, then right, piece sorts first. */
        private int compare(Candidate a, Candidate b) {
            int byCount = Long.compare(b.count, a.count);
            if (byCount != 0) {
                return byCount;
            }
            int byLeft = pieces.get((int) (a.pair >>> 32)).compareTo(
                    pieces.get((int) (b.pair >>> 32)));
            return byLeft != 0 ? byLeft
                    : pieces.get((int) a.pair).compareTo(pieces.get((int) b.pair));
        }
    }

    private static long pair(int left, int right) {
        return (long) left << 32 | right & 0xFFFFFFFFL;
    }

    private record Candidate(long pair, long count) {
    }

    /** A growable int array that skips appending the value it ends with. */
    private static final class IntList {
        int[] values = new int[4];
        int size;

        void addOnce(int value) {
            if (size > 0 && values[size - 1] == value) {
                return;
            }
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }
    }
}
