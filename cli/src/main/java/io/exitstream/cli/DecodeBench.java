package io.exitstream.cli;

import io.exitstream.compression.DecodeSpeed;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.runtime.Generator;
import io.exitstream.engine.runtime.LlamaModel;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Batched decode throughput of the raw engine: {@code batch} sequences from BOS decode
 * {@code tokens} each, greedily, in one {@link Generator}; the median of {@code runs} timed
 * runs after one untimed warm-up. Shared by {@code bench} and {@code bench serve}.
 *
 * <p>With {@code againstFull}, each run of the plan follows a run of the full model in the same
 * generator, and the plan's speedup is the median of the per-run ratios. The machines we
 * measure on drift by up to 2x within minutes, so two commands run one after the other can
 * disagree about which plan is faster; two runs a few milliseconds apart see the same machine.
 */
final class DecodeBench {

    private final int tokens;
    private final int runs;
    private final boolean againstFull;

    DecodeBench(int tokens, int runs) {
        this(tokens, runs, false);
    }

    DecodeBench(int tokens, int runs, boolean againstFull) {
        this.tokens = tokens;
        this.runs = runs;
        this.againstFull = againstFull;
    }

    /** The figures of one batch size, as the JSON object {@code bench} prints. */
    Map<String, Object> measure(LlamaModel model, ExecutionPlan plan, int batch) {
        double[] perSecond = new double[runs];
        double[] fullPerSecond = new double[runs];
        // Per run, the plan's tokens/s per thousand of the full model's.
        double[] permille = new double[runs];
        DecodeSpeed.Run last = null;
        List<int[]> prompts = Collections.nCopies(batch, new int[] {1});
        try (Generator generator = new Generator(model, batch, tokens + 1)) {
            for (int r = -1; r < runs; r++) {
                DecodeSpeed.Run full = null;
                if (againstFull) {
                    // A plan applies to the sequences started after it: each run starts its own.
                    generator.setPlan(ExecutionPlan.full());
                    full = DecodeSpeed.time(generator, prompts, tokens);
                }
                generator.setPlan(plan);
                last = DecodeSpeed.time(generator, prompts, tokens);
                if (r >= 0) {
                    perSecond[r] = last.tokensPerSecond();
                    if (full != null) {
                        fullPerSecond[r] = full.tokensPerSecond();
                        permille[r] = 1000 * perSecond[r] / fullPerSecond[r];
                    }
                    System.err.printf("bench: decode batch %d run %d/%d%n", batch, r + 1, runs);
                }
            }
        }
        double aggregate = DecodeSpeed.median(perSecond);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("batch", batch);
        out.put("tokens_per_sequence", tokens);
        out.put("tokens_per_s", aggregate);
        out.put("tokens_per_s_per_sequence", aggregate / batch);
        out.put("ms_per_step", Math.round(1e6 * batch / aggregate) / 1e3);
        out.put("runs_tokens_per_s", BenchCommand.round(perSecond));
        out.put("mean_layers_executed", Math.round(last.meanLayers() * 100) / 100.0);
        if (againstFull) {
            out.put("full_tokens_per_s", DecodeSpeed.median(fullPerSecond));
            out.put("speedup_vs_full", Math.round(DecodeSpeed.median(permille)) / 1000.0);
            out.put("runs_speedup_vs_full", Arrays.stream(permille)
                    .map(v -> Math.round(v) / 1000.0).toArray());
        }
        if (last.drafted() > 0) {
            out.put("drafts_accepted", Math.round(1000.0 * last.accepted() / last.drafted())
                    / 1000.0);
        }
        return out;
    }
}
