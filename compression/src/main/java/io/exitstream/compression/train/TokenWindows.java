package io.exitstream.compression.train;

import io.exitstream.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A tokenized corpus packed for training: documents laid end to end as
 * {@code BOS doc EOS BOS doc EOS ...} and cut into windows of {@code length + 1} tokens (inputs
 * and their next-token targets), as llama2.c and most pre-training do. Windows are visited in a
 * fresh seeded permutation each epoch, so window i of the run is the same on every run: a
 * resumed run sees exactly the data the uninterrupted one would have.
 */
public final class TokenWindows {

    private final int[] stream;
    private final int length;
    private final int count;
    private final long seed;
    private int[] order;
    private int orderEpoch = -1;

    private TokenWindows(int[] stream, int length, long seed) {
        this.stream = stream;
        this.length = length;
        this.count = (stream.length - 1) / length;
        this.seed = seed;
        if (count == 0) {
            throw new IllegalArgumentException("the corpus has " + stream.length + " tokens,"
                    + " fewer than one window of " + (length + 1));
        }
    }

    /** Encodes and packs {@code documents}; {@code length} is the model's training context. */
    public static TokenWindows pack(List<String> documents, Tokenizer tokenizer, int length,
            long seed) {
        if (length < 1) {
            throw new IllegalArgumentException("the window length must be positive, got "
                    + length);
        }
        List<int[]> encoded = new ArrayList<>(documents.size());
        int total = 0;
        for (String document : documents) {
            int[] ids = tokenizer.encode(document, true, true);
            encoded.add(ids);
            total = Math.addExact(total, ids.length);
        }
        int[] stream = new int[total];
        int at = 0;
        for (int[] ids : encoded) {
            System.arraycopy(ids, 0, stream, at, ids.length);
            at += ids.length;
        }
        return new TokenWindows(stream, length, seed);
    }

    /** Windows per epoch. */
    public int count() {
        return count;
    }

    /** Tokens in the packed corpus. */
    public int tokens() {
        return stream.length;
    }

    /** Tokens per window, targets not counted. */
    public int length() {
        return length;
    }

    /**
     * The {@code index}-th window of the run (epochs follow one another), {@code length + 1}
     * tokens.
     */
    public int[] window(long index) {
        return windowAt(order(index));
    }

    /** Where in the packed stream the {@code index}-th window of the run starts. */
    public long start(long index) {
        return (long) order(index) * length;
    }

    private int order(long index) {
        int epoch = Math.toIntExact(index / count);
        if (epoch != orderEpoch) {
            order = permutation(count, new SplittableRandom(seed * 1_000_003L + epoch));
            orderEpoch = epoch;
        }
        return order[(int) (index % count)];
    }

    /** Window {@code i} in corpus order, for evaluation. */
    public int[] windowAt(int i) {
        int start = i * length;
        return Arrays.copyOfRange(stream, start, start + length + 1);
    }

    private static int[] permutation(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
