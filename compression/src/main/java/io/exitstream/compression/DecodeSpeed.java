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
import java.util.function.LongSupplier;

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

    /** The stretch of decoding over which {@link #settle} judges the compiler. */
    private static final double QUIET_SECONDS = 5;
    /** The most of that stretch the compiler may have spent compiling for it to count quiet. */
    private static final double QUIET_SHARE = 0.01;

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

    /**
     * What {@link #settle} did.
     *
     * @param runs runs made
     * @param quiet whether the compiler went quiet within the limit
     */
    public record Settling(int runs, boolean quiet) {
    }

    /**
     * Repeats {@code run}, which decodes through {@link #time}, until the JIT compiler has
     * spent at most 1% of the last 5 s of decoding compiling, or until {@code limitSeconds} of
     * decoding have passed. A fixed warm-up is not enough on two cores: the decode step's
     * Java path reaches the optimising compiler's thresholds method by method, and 10 s into
     * decoding s15M at batch 1 the compiler was still at work for another 5 to 10 s, taking a
     * core from PyTorch in bursts of up to 500 ms per run (runs at 190 to 400 tokens/s, where
     * the same process later read 500 to 540). Its work comes in bursts with quiet seconds
     * between them, hence a window of several seconds rather than a run or two.
     */
    public static Settling settle(Runnable run, double limitSeconds) {
        return settle(run, limitSeconds, JitClock::millis);
    }

    /** {@link #settle(Runnable, double)} reading the compiler's time from {@code jitMillis}. */
    static Settling settle(Runnable run, double limitSeconds, LongSupplier jitMillis) {
        List<long[]> samples = new ArrayList<>();
        samples.add(new long[] {DECODING_NANOS.get(), jitMillis.getAsLong()});
        long start = samples.get(0)[0];
        long window = (long) (QUIET_SECONDS * 1e9);
        int oldest = 0;
        int runs = 0;
        while (DECODING_NANOS.get() - start < limitSeconds * 1e9) {
            run.run();
            runs++;
            long[] now = {DECODING_NANOS.get(), jitMillis.getAsLong()};
            samples.add(now);
            // The latest sample at least a window of decoding back.
            while (now[0] - samples.get(oldest + 1)[0] >= window) {
                oldest++;
            }
            long[] then = samples.get(oldest);
            long decoded = now[0] - then[0];
            if (decoded >= window && (now[1] - then[1]) * 1e6 <= QUIET_SHARE * decoded) {
                return new Settling(runs, true);
            }
        }
        return new Settling(runs, false);
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
