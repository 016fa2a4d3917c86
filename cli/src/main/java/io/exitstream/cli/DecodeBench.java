package io.exitstream.cli;

import io.exitstream.compression.DecodeSpeed;
import io.exitstream.compression.JitClock;
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
 * runs after an untimed warm-up. Shared by {@code bench} and {@code bench serve}.
 *
 * <p>The warm-up is at least one run, and runs until the process has decoded for
 * {@code warmUpSeconds} in all (see {@link DecodeSpeed#warmUp}: the first batch size warms the
 * JVM for the others); unless that is 0, it then goes on until the JIT compiler is quiet, for
 * at most {@link #SETTLE_LIMIT_SECONDS} (see {@link DecodeSpeed#settle}). Each timed run
 * reports the milliseconds the JIT compilers spent during it.
 *
 * <p>With {@code againstFull}, each run of the plan follows a run of the full model in the same
 * generator, and the plan's speedup is the median of the per-run ratios. The machines we
 * measure on drift by up to 2x within minutes, so two commands run one after the other can
 * disagree about which plan is faster; two runs a few milliseconds apart see the same machine.
 */
final class DecodeBench {

    /** The most decoding a warm-up adds while waiting for the JIT compiler to go quiet. */
    static final double SETTLE_LIMIT_SECONDS = 60;

    private final int tokens;
    private final int runs;
    private final boolean againstFull;
    private final double warmUpSeconds;

    /** One untimed warm-up run per batch size. */
    DecodeBench(int tokens, int runs) {
        this(tokens, runs, false, 0);
    }

    DecodeBench(int tokens, int runs, boolean againstFull, double warmUpSeconds) {
        this.tokens = tokens;
        this.runs = runs;
        this.againstFull = againstFull;
        this.warmUpSeconds = warmUpSeconds;
    }

    /** The figures of one batch size, as the JSON object {@code bench} prints. */
    Map<String, Object> measure(LlamaModel model, ExecutionPlan plan, int batch) {
        double[] perSecond = new double[runs];
        double[] fullPerSecond = new double[runs];
        // Per run, the plan's tokens/s per thousand of the full model's.
        double[] permille = new double[runs];
        long[] jitMillis = new long[runs];
        DecodeSpeed.Run last = null;
        List<int[]> prompts = Collections.nCopies(batch, new int[] {1});
        Map<String, Object> warmUp = new LinkedHashMap<>();
        // The progress lines are formatted before the warm-up: java.util.Formatter's first
        // uses set the JIT compiler to work, and formatted between timed runs they had it
        // compiling 50 to 1,100 ms during the second to fourth runs, on a core PyTorch needed.
        String[] progress = new String[runs];
        for (int r = 0; r < runs; r++) {
            progress[r] = String.format("bench: decode batch %d run %d/%d", batch, r + 1, runs);
        }
        try (Generator generator = new Generator(model, batch, tokens + 1)) {
            long warmUpStart = System.nanoTime();
            Runnable untimed = () -> run(generator, plan, prompts);
            int warmUpRuns = DecodeSpeed.warmUp(untimed, warmUpSeconds);
            // Said before settling, for the same reason as the progress lines.
            System.err.printf("bench: decode batch %d warmed up, %d runs in %.1f s%s%n", batch,
                    warmUpRuns, (System.nanoTime() - warmUpStart) / 1e9,
                    warmUpSeconds > 0 ? "; waiting for the JIT compiler to go quiet" : "");
            DecodeSpeed.Settling settling = warmUpSeconds > 0
                    ? DecodeSpeed.settle(untimed, SETTLE_LIMIT_SECONDS)
                    : new DecodeSpeed.Settling(0, false);
            if (warmUpSeconds > 0 && !settling.quiet()) {
                System.err.println("bench: the JIT compiler was still at work after "
                        + (int) SETTLE_LIMIT_SECONDS + " s more; timing anyway");
            }
            double seconds = (System.nanoTime() - warmUpStart) / 1e9;
            warmUp.put("runs", warmUpRuns + settling.runs());
            warmUp.put("seconds", Math.round(seconds * 10) / 10.0);
            warmUp.put("jit_quiet", settling.quiet());
            for (int r = 0; r < runs; r++) {
                long jitBefore = JitClock.millis();
                DecodeSpeed.Run[] pair = run(generator, plan, prompts);
                jitMillis[r] = JitClock.millis() - jitBefore;
                last = pair[1];
                perSecond[r] = last.tokensPerSecond();
                if (pair[0] != null) {
                    fullPerSecond[r] = pair[0].tokensPerSecond();
                    permille[r] = 1000 * perSecond[r] / fullPerSecond[r];
                }
                System.err.println(progress[r]);
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
        out.put("runs_jit_ms", jitMillis);
        out.put("warm_up", warmUp);
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

    /**
     * One run: the full model's first when comparing against it (null otherwise), then the
     * plan's. A plan applies to the sequences started after it: each run starts its own.
     */
    private DecodeSpeed.Run[] run(Generator generator, ExecutionPlan plan, List<int[]> prompts) {
        DecodeSpeed.Run full = null;
        if (againstFull) {
            generator.setPlan(ExecutionPlan.full());
            full = DecodeSpeed.time(generator, prompts, tokens);
        }
        generator.setPlan(plan);
        return new DecodeSpeed.Run[] {full, DecodeSpeed.time(generator, prompts, tokens)};
    }
}
