package io.exitstream.compression.reschedule;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.exitstream.compression.Corpus;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import io.exitstream.engine.runtime.KvCache;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Rows;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Estimates self-speculative draft acceptance on calibration sequences, for exit layers live
 * telemetry has not seen: teacher-forced, each sequence runs a skip schedule's kept layers one
 * at a time, and after each the exit head (final norm and LM head) drafts its greedy token. A
 * greedy draft is accepted when it equals the token of the schedule's last kept layer, so the
 * fraction of equal positions is the per-draft acceptance rate of drafting from that layer.
 *
 * <p>One pass per skip schedule gives every exit layer; results are cached per schedule. Owned
 * by one thread, like the model.
 */
public final class DraftProbe implements DraftAcceptance, AutoCloseable {

    private final LlamaModel model;
    private final Corpus corpus;
    private final KvCache cache;
    private final Map<List<Integer>, double[]> bySchedule = new HashMap<>();
    /** Positions each rate is measured on: every prediction of the calibration sequences. */
    private final long positionsPerRate;

    public DraftProbe(LlamaModel model, Corpus corpus) {
        this.model = model;
        this.corpus = corpus;
        int longest = corpus.sequences().stream().mapToInt(s -> s.length).max().orElseThrow();
        this.cache = model.newCache(1, Math.min(longest, model.config().contextLength()));
        this.positionsPerRate = corpus.sequences().stream().mapToLong(s -> s.length).sum();
    }

    @Override
    public double rate(List<Integer> skippedLayers, int exitLayer) {
        return bySchedule.computeIfAbsent(List.copyOf(skippedLayers), this::measure)[exitLayer];
    }

    @Override
    public long samples(List<Integer> skippedLayers, int exitLayer) {
        return positionsPerRate;
    }

    /** Acceptance by exit layer, NaN for skipped layers. */
    private double[] measure(List<Integer> skipped) {
        int layers = model.config().layers();
        int[] kept = new ExecutionPlan(0, skipped, new ExitPolicy.None()).keptLayers(0, layers);
        long[] agreed = new long[layers];
        long positions = 0;
        for (int[] tokens : corpus.sequences()) {
            int[][] drafts = drafts(tokens, kept);
            int[] own = drafts[kept[kept.length - 1]];
            for (int layer : kept) {
                for (int i = 0; i < own.length; i++) {
                    agreed[layer] += drafts[layer][i] == own[i] ? 1 : 0;
                }
            }
            positions += own.length;
        }
        double[] rate = new double[layers];
        for (int layer = 0; layer < layers; layer++) {
            rate[layer] = skipped.contains(layer) ? Double.NaN
                    : (double) agreed[layer] / positions;
        }
        return rate;
    }

    /** By layer, the exit head's greedy token at every position after that kept layer. */
    private int[][] drafts(int[] tokens, int[] kept) {
        int[][] drafts = new int[model.config().layers()][];
        try (NDManager scope = model.newScope()) {
            Rows rows = model.prefillRows(scope, cache, 0, 0, tokens.length);
            NDArray hidden = model.embed(scope, tokens);
            for (int layer : kept) {
                hidden = model.layer(layer, hidden, rows, cache);
                long[] argmax = model.logits(hidden).argMax(1).toLongArray();
                drafts[layer] = new int[argmax.length];
                for (int i = 0; i < argmax.length; i++) {
                    drafts[layer][i] = (int) argmax[i];
                }
            }
        }
        return drafts;
    }

    @Override
    public void close() {
        cache.close();
    }
}
