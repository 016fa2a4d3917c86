package io.exitstream.cli;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.runtime.GenerationRequest;
import io.exitstream.engine.runtime.Generator;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Sequence;
import io.exitstream.engine.runtime.TokenReport;
import io.exitstream.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Batched decode throughput of the raw engine: {@code batch} sequences from BOS decode
 * {@code tokens} each, greedily, in one {@link Generator}; the median of {@code runs} timed
 * runs after one untimed warm-up. Shared by {@code bench} and {@code bench serve}.
 */
final class DecodeBench {

    private final int tokens;
    private final int runs;

    DecodeBench(int tokens, int runs) {
        this.tokens = tokens;
        this.runs = runs;
    }

    /** The figures of one batch size, as the JSON object {@code bench} prints. */
    Map<String, Object> measure(LlamaModel model, ExecutionPlan plan, int batch) {
        double[] perSecond = new double[runs];
        DecodeRun last = null;
        try (Generator generator = new Generator(model, batch, tokens + 1)) {
            generator.setPlan(plan);
            for (int r = -1; r < runs; r++) {
                last = timeDecode(generator, batch);
                if (r >= 0) {
                    perSecond[r] = last.tokens() / last.seconds();
                    System.err.printf("bench: decode batch %d run %d/%d%n", batch, r + 1, runs);
                }
            }
        }
        double aggregate = BenchCommand.median(perSecond);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("batch", batch);
        out.put("tokens_per_sequence", tokens);
        out.put("tokens_per_s", aggregate);
        out.put("tokens_per_s_per_sequence", aggregate / batch);
        out.put("ms_per_step", Math.round(1e6 * batch / aggregate) / 1e3);
        out.put("runs_tokens_per_s", BenchCommand.round(perSecond));
        out.put("mean_layers_executed", Math.round(last.meanLayers() * 100) / 100.0);
        if (last.drafted() > 0) {
            out.put("drafts_accepted", Math.round(1000.0 * last.accepted() / last.drafted())
                    / 1000.0);
        }
        return out;
    }

    /** What one timed decode run did: decoded tokens, time, and the plan's per-token costs. */
    private record DecodeRun(int tokens, double seconds, double meanLayers, int drafted,
            int accepted) {
    }

    /**
     * Starts {@code batch} sequences from BOS and times batched decode steps until each has
     * decoded {@code tokens} more (a self-speculative step may yield several per sequence).
     */
    private DecodeRun timeDecode(Generator generator, int batch) {
        List<Sequence> sequences = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            sequences.add(generator.start(new GenerationRequest(new int[] {1},
                    SamplingParams.greedy(), tokens + 1, new int[0])));
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
        return new DecodeRun(decoded, seconds, (double) layers / decoded, drafted, accepted);
    }
}
