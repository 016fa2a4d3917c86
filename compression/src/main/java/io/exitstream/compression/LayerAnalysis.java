package io.exitstream.compression;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import io.exitstream.engine.runtime.LlamaModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * How much each layer matters, and the static skip schedule that follows from it.
 *
 * <p>Two measures per layer: ShortGPT's block influence, {@code 1 - cos(input, output)} of the
 * layer's hidden states averaged over tokens (a layer that barely turns the residual stream
 * changes little), and the perplexity when that layer alone is skipped. The proposed schedule
 * tries layers from the least influential up and keeps each one whose addition leaves the
 * combined schedule's perplexity within the budget; layers interact, so each step measures the
 * whole schedule, not the sum of single-layer increases.
 */
public final class LayerAnalysis {

    private LayerAnalysis() {
    }

    /**
     * One layer's sensitivity.
     *
     * @param influence mean {@code 1 - cos(input, output)} over the corpus's tokens
     * @param perplexityWithoutIt perplexity with only this layer skipped
     * @param perplexityIncrease relative to the full model: {@code ppl / full - 1}
     */
    public record LayerSensitivity(int layer, double influence, double perplexityWithoutIt,
            double perplexityIncrease) {
    }

    /**
     * @param layers by layer index
     * @param ranking layer indices from the least to the most influential
     * @param schedule the proposed plan: the most layers skipped within the budget
     * @param schedulePerplexity the corpus's perplexity under the proposed plan
     */
    public record Result(double fullPerplexity, List<LayerSensitivity> layers,
            List<Integer> ranking, double budget, ExecutionPlan schedule,
            double schedulePerplexity) {
    }

    /**
     * Measures every layer on the corpus and proposes a skip schedule.
     *
     * @param budget largest allowed relative perplexity increase, e.g. 0.05 for 5%
     */
    public static Result analyze(LlamaModel model, Corpus corpus, double budget,
            Progress progress) {
        if (!(budget >= 0)) {
            throw new IllegalArgumentException("the perplexity budget must be >= 0, got "
                    + budget);
        }
        int layers = model.config().layers();
        try (TeacherForcing pass = new TeacherForcing(model, corpus)) {
            progress.begin("analyze", 2L * layers + 1);
            double[] influence = new double[layers];
            double nll = 0;
            int vocab = model.config().vocabSize();
            int dim = model.config().dim();
            for (int[] tokens : corpus.sequences()) {
                TeacherForcing.Trace trace = pass.trace(tokens);
                for (int l = 0; l < layers; l++) {
                    influence[l] += sumOneMinusCosine(trace.hidden()[l], trace.hidden()[l + 1],
                            dim);
                }
                nll -= TokenScores.of(trace.logits(), tokens, vocab).sumLogProbs();
            }
            int tokenCount = corpus.sequences().stream().mapToInt(s -> s.length).sum();
            double full = Math.exp(nll / corpus.predictions());
            progress.step();
            List<LayerSensitivity> sensitivities = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                double ppl = perplexity(pass, model, corpus, List.of(l));
                sensitivities.add(new LayerSensitivity(l, influence[l] / tokenCount, ppl,
                        ppl / full - 1));
                progress.step();
            }
            List<Integer> ranking = sensitivities.stream()
                    .sorted(Comparator.comparingDouble(LayerSensitivity::influence))
                    .map(LayerSensitivity::layer).toList();
            TreeSet<Integer> skipped = new TreeSet<>();
            double schedulePpl = full;
            for (int layer : ranking) {
                if (skipped.size() + 1 < layers) {
                    List<Integer> candidate = new ArrayList<>(skipped);
                    candidate.add(layer);
                    double ppl = perplexity(pass, model, corpus, candidate);
                    if (ppl <= full * (1 + budget)) {
                        skipped.add(layer);
                        schedulePpl = ppl;
                    }
                }
                progress.step();
            }
            progress.end();
            ExecutionPlan plan = new ExecutionPlan(1, List.copyOf(skipped),
                    new ExitPolicy.None());
            return new Result(full, sensitivities, ranking, budget, plan, schedulePpl);
        }
    }

    private static double perplexity(TeacherForcing pass, LlamaModel model, Corpus corpus,
            List<Integer> skipped) {
        int[] kept = IntStream.range(0, model.config().layers())
                .filter(l -> !skipped.contains(l)).toArray();
        double nll = 0;
        for (int[] tokens : corpus.sequences()) {
            nll -= TokenScores.of(pass.logits(tokens, kept), tokens, model.config().vocabSize())
                    .sumLogProbs();
        }
        return Math.exp(nll / corpus.predictions());
    }

    /** Sum over rows of {@code 1 - cos(a_row, b_row)} for row-major {@code [rows, dim]}. */
    private static double sumOneMinusCosine(float[] a, float[] b, int dim) {
        double sum = 0;
        for (int row = 0; row < a.length / dim; row++) {
            double dot = 0;
            double na = 0;
            double nb = 0;
            for (int i = row * dim; i < (row + 1) * dim; i++) {
                dot += a[i] * b[i];
                na += a[i] * a[i];
                nb += b[i] * b[i];
            }
            sum += 1 - dot / Math.sqrt(na * nb + 1e-30);
        }
        return sum;
    }
}
