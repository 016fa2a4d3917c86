package io.exitstream.compression.reschedule;

import io.exitstream.engine.runtime.GenerationRequest;
import io.exitstream.engine.runtime.Generator;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.sampling.SamplingParams;
import io.exitstream.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The held token sequences the quality gate compares plans on, teacher-forced: each sequence
 * is run once and every position's next-token prediction counts.
 *
 * @param sequences token ids, BOS first, each at least two tokens
 */
public record CalibrationSet(List<int[]> sequences) {

    public CalibrationSet {
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("the calibration set has no sequence");
        }
        for (int[] s : sequences) {
            if (s.length < 2) {
                throw new IllegalArgumentException("a calibration sequence needs at least two"
                        + " tokens");
            }
        }
        sequences = List.copyOf(sequences);
    }

    /**
     * One sequence per non-blank line of a UTF-8 text file, cut to {@code maxTokens}.
     *
     * @throws IllegalArgumentException if the file has no usable line
     */
    public static CalibrationSet read(Path file, Tokenizer tokenizer, int maxTokens) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<int[]> sequences = new ArrayList<>();
        for (String line : lines) {
            if (!line.isBlank()) {
                int[] ids = tokenizer.encode(line.strip(), true, false);
                if (ids.length >= 2) {
                    sequences.add(Arrays.copyOf(ids, Math.min(ids.length, maxTokens)));
                }
            }
        }
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("calibration file " + file
                    + " has no line of at least one token");
        }
        return new CalibrationSet(sequences);
    }

    /**
     * Sequences the full model samples from BOS at temperature 1, seeds 0..count-1: no data
     * file needed, and the text is the kind the model is served for.
     */
    public static CalibrationSet generate(LlamaModel model, int bos, int count, int tokens) {
        List<int[]> sequences = new ArrayList<>();
        try (Generator generator = new Generator(model, 1,
                Math.min(tokens, model.config().contextLength()))) {
            for (int seed = 0; seed < count; seed++) {
                GenerationRequest request = new GenerationRequest(new int[] {bos},
                        new SamplingParams(1f, 1f, 0, seed), tokens - 1, new int[0]);
                int[] generated = generator.generate(request, token -> { }).generated();
                int[] ids = new int[generated.length + 1];
                ids[0] = bos;
                System.arraycopy(generated, 0, ids, 1, generated.length);
                sequences.add(ids);
            }
        }
        return new CalibrationSet(sequences);
    }

    /** Positions whose next token is predicted. */
    public long predictions() {
        return sequences.stream().mapToLong(s -> s.length - 1).sum();
    }

    /** The longest sequence's length. */
    public int maxLength() {
        return sequences.stream().mapToInt(s -> s.length).max().orElseThrow();
    }
}
