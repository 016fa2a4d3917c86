package io.exitstream.compression.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.exitstream.compression.Corpus;
import io.exitstream.compression.Progress;
import io.exitstream.compression.nn.TorchLlama;
import io.exitstream.compression.nn.TorchLlama.Site;
import io.exitstream.engine.model.LlamaWeights;
import java.util.ArrayList;
import java.util.List;

/**
 * One pass of the model over calibration sequences that gathers {@link ActivationStats}: every
 * criterion reads the same pass, so choosing among them costs one forward per sequence.
 */
public final class Calibration {

    private Calibration() {
    }

    /** Runs {@code weights} over every sequence of {@code corpus}, one forward pass each. */
    public static ActivationStats collect(LlamaWeights weights, Corpus corpus,
            Progress progress) {
        ActivationStats stats = new ActivationStats(weights.config());
        progress.begin("calibrate", corpus.sequences().size());
        try (NDManager manager = NDManager.newBaseManager();
                TorchLlama llama = TorchLlama.of(weights, manager)) {
            for (int[] sequence : corpus.sequences()) {
                try (NDManager scope = manager.newSubManager()) {
                    List<NDArray> residuals = new ArrayList<>();
                    NDArray ids = scope.create(sequence, new Shape(1, sequence.length));
                    llama.forward(ids, (site, layer, x) ->
                            accumulate(stats, site, layer, x, residuals));
                    accumulateAngles(stats, residuals);
                    stats.tokens += sequence.length;
                }
                progress.step();
            }
        } finally {
            progress.end();
        }
        return stats;
    }
    private static void accumulate(ActivationStats stats, Site site, int layer, NDArray x,
            List<NDArray> residuals) {
        double[] target = switch (site) {
            case RESIDUAL -> null;
            case ATTENTION_INPUT -> stats.attentionInput[layer];
            case ATTENTION_OUTPUT -> stats.attentionOutput[layer];
            case FFN_INPUT -> stats.ffnInput[layer];
            case FFN_ACTIVATION -> stats.ffnActivation[layer];
        };
        if (target == null) {
            residuals.add(x);
            return;
        }
        float[] squares = x.square().sum(new int[] {0, 1}).toFloatArray();
        for (int j = 0; j < squares.length; j++) {
            target[j] += squares[j];
        }
    }

    /** Cosine and angle between every pair of residual positions, summed over tokens. */
    private static void accumulateAngles(ActivationStats stats, List<NDArray> residuals) {
        List<NDArray> unit = new ArrayList<>();
        for (NDArray h : residuals) {
            unit.add(h.div(h.norm(new int[] {-1}, true).add(1e-12f)));
        }
        for (int i = 0; i < unit.size(); i++) {
            for (int j = i + 1; j < unit.size(); j++) {
                NDArray cos = unit.get(i).mul(unit.get(j)).sum(new int[] {-1}).clip(-1f, 1f);
                stats.cosine[i][j] += cos.sum().getFloat();
                stats.angle[i][j] += cos.acos().sum().getFloat() / Math.PI;
            }
        }
    }
}
