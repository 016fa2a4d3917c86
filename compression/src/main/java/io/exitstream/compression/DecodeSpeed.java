package io.exitstream.compression;

import io.exitstream.engine.runtime.GenerationRequest;
import io.exitstream.engine.runtime.Generator;
import io.exitstream.engine.runtime.Sequence;
import io.exitstream.engine.runtime.TokenReport;
import io.exitstream.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Times greedy decoding under the generator's plan: one batch of sequences, stepped together
 * until each has decoded a given number of tokens. The prefill and its first token are not
 * timed.
 */
public final class DecodeSpeed {

    /** The warm-up that decode speeds are measured after, unless told otherwise. */
    public static final double WARM_UP_SECONDS = 10;

    /** Time this process has spent in {@link #time}, warm-up runs included. */
    private static final AtomicLong DECODING_NANOS = new AtomicLong();

    private DecodeSpeed() {
    }

    /**
     * Repeats {@code run}, which decodes through {@link #time}, at least once and until this
     * process has spent {@code seconds} decoding in all; returns the runs made. The JVM
     * compiles the decode step's Java path (DJL's calls, sampling, bookkeeping) over its first
     * thousands of steps, about 10 s of batch-1 decoding of a small model, and on a 2-core
     * machine its compiler threads take a core from PyTorch's two: runs during which it
     * compiled 100-400 ms read 30-40% slower. Counting the whole process's decoding lets the
     * first measurement warm the JVM for the ones after it.
     */
    public static int warmUp(Runnable run, double seconds) {
        if (!(seconds >= 0)) {
            throw new IllegalArgumentException("the warm-up must be 0 or more seconds, got "
                    + seconds);
        }
        int runs = 0;
        do {
            run.run();
            runs++;
        } while (DECODING_NANOS.get() < seconds * 1e9);
        return runs;
    }

    /** Seconds this process has spent decoding through {@link #time} so far. */
    public static double decodingSeconds() {
        return DECODING_NANOS.get() / 1e9;
    }

    /**
     * What one timed run did.
     *
     * @param tokens tokens decoded by the timed steps, over all sequences
     * @param meanLayers layers executed per decoded token
     * @param drafted self-speculation: drafts made (0 otherwise)
     * @param accepted self-speculation: drafts accepted
     */
    public record Run(int tokens, double seconds, double meanLayers, int drafted,
            int accepted) {

        public double tokensPerSecond() {
            return tokens / seconds;
        }
    }

    /**
     * Starts one greedy sequence per prompt (the batch) with no stop token, then times batched
     * steps until each has decoded {@code tokens} more; a self-speculative step may give a
     * sequence several. The generator must have a free slot per prompt and room for the prompt
     * plus {@code tokens + 1} positions.
     */
    public static Run time(Generator generator, List<int[]> prompts, int tokens) {
        List<Sequence> sequences = new ArrayList<>();
        for (int[] prompt : prompts) {
            sequences.add(generator.start(new GenerationRequest(prompt, SamplingParams.greedy(),
                    tokens + 1, new int[0])));
        }
        long start = System.nanoTime();
        while (sequences.stream().anyMatch(s -> !s.isFinished())) {
            generator.step(sequences);
        }
        long nanos = System.nanoTime() - start;
        DECODING_NANOS.addAndGet(nanos);
        double seconds = nanos / 1e9;
        int decoded = 0;
        long layers = 0;
        int drafted = 0;
        int accepted = 0;
        for (Sequence s : sequences) {
            // The first token came from the prefill, outside the timed loop.
            for (TokenReport report : s.reports().subList(1, s.reports().size())) {
                decoded++;
                layers += report.layersExecuted();
                drafted += report.drafted();
                accepted += report.accepted();
            }
            generator.release(s);
        }
        return new Run(decoded, seconds, (double) layers / decoded, drafted, accepted);
    }

    /** The median, rounded to one decimal as the benchmarks report it. */
    public static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double m = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return Math.round(m * 10) / 10.0;
    }
}
