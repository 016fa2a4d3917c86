package io.exitstream.cli;

import io.exitstream.compression.DecodeSpeed;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.runtime.Generator;
import io.exitstream.engine.runtime.LlamaModel;
import java.util.Collections;
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
        DecodeSpeed.Run last = null;
        List<int[]> prompts = Collections.nCopies(batch, new int[] {1});
        try (Generator generator = new Generator(model, batch, tokens + 1)) {
            generator.setPlan(plan);
            for (int r = -1; r < runs; r++) {
                last = DecodeSpeed.time(generator, prompts, tokens);
                if (r >= 0) {
                    perSecond[r] = last.tokensPerSecond();
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
        if (last.drafted() > 0) {
            out.put("drafts_accepted", Math.round(1000.0 * last.accepted() / last.drafted())
                    / 1000.0);
        }
        return out;
    }
}
