package io.exitstream.compression;

import io.exitstream.engine.runtime.GenerationRequest;
import io.exitstream.engine.runtime.Generator;
import io.exitstream.engine.runtime.Sequence;
import io.exitstream.engine.runtime.TokenReport;
import io.exitstream.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Times greedy decoding under the generator's plan: one batch of sequences, stepped together
 * until each has decoded a given number of tokens. The prefill and its first token are not
 * timed.
 */
public final class DecodeSpeed {

    private DecodeSpeed() {
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
        double seconds = (System.nanoTime() - start) / 1e9;
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
