package io.exitstream.compression;

import io.exitstream.engine.runtime.GenerationRequest;
import io.exitstream.engine.runtime.Generator;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Sequence;
import io.exitstream.engine.sampling.SamplingParams;
import io.exitstream.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Token sequences to calibrate or evaluate on, each starting with BOS: one per document of a
 * text file, or sampled from the model itself.
 *
 * @param sequences token ids, each at least two tokens (one prediction) long
 */
public record Corpus(List<int[]> sequences) {

    private static final Pattern BLANK_LINES = Pattern.compile("\\R\\s*\\R");
    private static final int MAX_BATCH = 8;

    public Corpus {
        sequences = List.copyOf(sequences);
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("the corpus has no sequence of two tokens or more");
        }
    }

    /**
     * Reads a plain-text file. Documents are separated by blank lines when the file has any;
     * otherwise each non-empty line is one document (see {@link #documents}). Each document is
     * encoded with BOS and cut to {@code maxTokens}.
     */
    public static Corpus read(Path file, Tokenizer tokenizer, int maxTokens) {
        List<int[]> sequences = new ArrayList<>();
        for (String document : documents(file)) {
            int[] ids = tokenizer.encode(document, true, false);
            if (ids.length >= 2) {
                sequences.add(Arrays.copyOf(ids, Math.min(ids.length, maxTokens)));
            }
        }
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException(file + " has no text to score");
        }
        return new Corpus(sequences);
    }

    /**
     * The documents of a plain-text file, cleaned: separated by blank lines when the file has
     * any, otherwise one per non-empty line; each stripped, with its line breaks (and the
     * whitespace around them) turned into one space. Empty documents are left out.
     */
    public static List<String> documents(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String[] parts = BLANK_LINES.matcher(text.strip()).find()
                ? BLANK_LINES.split(text) : text.split("\\R");
        List<String> documents = new ArrayList<>();
        for (String part : parts) {
            String clean = part.strip().replaceAll("\\s*\\R\\s*", " ");
            if (!clean.isEmpty()) {
                documents.add(clean);
            }
        }
        return documents;
    }

    /**
     * Lets the model write {@code count} sequences from BOS, sampling at temperature 1 (no top-p,
     * no top-k) so that they follow its own distribution; sequence i uses seed
     * {@code seed + i}, so the corpus is the same on every run. A sequence ends at BOS or EOS or
     * after {@code maxTokens} tokens, BOS included.
     */
    public static Corpus generate(LlamaModel model, Tokenizer tokenizer, int count,
            int maxTokens, long seed) {
        if (count <= 0) {
            throw new IllegalArgumentException("the number of sequences to generate must be"
                    + " positive, got " + count);
        }
        int[] bos = {tokenizer.bosId()};
        int[] stops = {tokenizer.bosId(), tokenizer.eosId()};
        List<int[]> sequences = new ArrayList<>();
        try (Generator generator = new Generator(model, Math.min(count, MAX_BATCH), maxTokens)) {
            for (int first = 0; first < count; first += MAX_BATCH) {
                List<Sequence> batch = new ArrayList<>();
                for (int i = first; i < Math.min(count, first + MAX_BATCH); i++) {
                    batch.add(generator.start(new GenerationRequest(bos,
                            new SamplingParams(1f, 1f, 0, seed + i), maxTokens - 1, stops)));
                }
                while (batch.stream().anyMatch(s -> !s.isFinished())) {
                    generator.step(batch);
                }
                for (Sequence s : batch) {
                    int[] ids = new int[s.generatedCount() + 1];
                    ids[0] = bos[0];
                    System.arraycopy(s.generated(), 0, ids, 1, s.generatedCount());
                    if (ids.length >= 2) {
                        sequences.add(ids);
                    }
                    generator.release(s);
                }
            }
        }
        return new Corpus(sequences);
    }

    /** Number of predicted tokens: every token after the first of each sequence. */
    public int predictions() {
        return sequences.stream().mapToInt(s -> s.length - 1).sum();
    }

    /**
     * Splits off every k-th sequence, {@code k = round(1 / heldOutFraction)}, as held-out data:
     * deterministic, and spread over the corpus rather than taken from its end.
     */
    public Split split(double heldOutFraction) {
        if (!(heldOutFraction > 0 && heldOutFraction < 1)) {
            throw new IllegalArgumentException("the held-out fraction must be in (0, 1), got "
                    + heldOutFraction);
        }
        if (sequences.size() < 2) {
            throw new IllegalArgumentException("need at least 2 sequences to hold some out, got "
                    + sequences.size());
        }
        int every = Math.max(2, (int) Math.round(1 / heldOutFraction));
        List<int[]> train = new ArrayList<>();
        List<int[]> heldOut = new ArrayList<>();
        for (int i = 0; i < sequences.size(); i++) {
            (i % every == every - 1 ? heldOut : train).add(sequences.get(i));
        }
        if (heldOut.isEmpty()) {
            heldOut.add(train.remove(train.size() - 1));
        }
        return new Split(new Corpus(train), new Corpus(heldOut));
    }

    /** Training and held-out parts of a corpus. */
    public record Split(Corpus train, Corpus heldOut) {
    }
}
