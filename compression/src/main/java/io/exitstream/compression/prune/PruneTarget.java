package io.exitstream.compression.prune;

import io.exitstream.compression.prune.Criterion.Kind;
import io.exitstream.engine.model.ModelConfig;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * How much to prune: a criterion with either a ratio or a count. Checked twice before any work:
 * on its own when made, and against the model's shape by {@link #amount}.
 *
 * <ul>
 *   <li>Structured criteria: {@code ratio} is the fraction of all parameters to remove (rounded
 *       to whole layers, whole key/value groups of heads, or whole neurons per layer),
 *       {@code count} the layers to remove, the query heads to remove in all (a multiple of the
 *       group size: a key/value head goes with the query heads that share it), or the neurons
 *       to remove from every layer.</li>
 *   <li>Unstructured: {@code ratio} is the sparsity of every block matrix's rows.</li>
 *   <li>2:4: neither; the pattern fixes the sparsity at one half.</li>
 * </ul>
 *
 * @param ratio null when not given
 * @param count null when not given
 */
public record PruneTarget(Criterion criterion, Double ratio, Integer count) {

    public PruneTarget {
        Kind kind = criterion.kind();
        if (ratio != null && count != null) {
            throw new IllegalArgumentException("give --ratio or --count, not both");
        }
        if (ratio != null && !(ratio >= 0 && ratio < 1)) {
            throw new IllegalArgumentException("--ratio must be in [0, 1), got " + ratio);
        }
        if (count != null && count < 0) {
            throw new IllegalArgumentException("--count must be 0 or more, got " + count);
        }
        if (kind == Kind.TWO_FOUR && (ratio != null || count != null)) {
            throw new IllegalArgumentException(criterion + " always removes 2 of every 4"
                    + " weights; drop --ratio and --count");
        }
        if (kind == Kind.UNSTRUCTURED && ratio == null) {
            throw new IllegalArgumentException(criterion + " needs --ratio (the sparsity)");
        }
        if (kind.structured() && ratio == null && count == null) {
            throw new IllegalArgumentException(criterion + " needs --ratio or --count");
        }
    }

    /**
     * What to remove from a model of shape {@code c}: layers, key/value groups of heads (in all
     * layers together), neurons per layer, or for unstructured criteria the sparsity in
     * millionths.
     *
     * @throws IllegalArgumentException if the target would empty the model or a layer
     */
    public int amount(ModelConfig c) {
        return switch (criterion.kind()) {
            case LAYERS -> {
                int n = count != null ? count : units(c, meanLayerParameters(c));
                if (n >= c.layers()) {
                    throw new IllegalArgumentException("removing " + n + " of " + c.layers()
                            + " layers leaves none; ask for fewer");
                }
                yield n;
            }
            case NEURONS -> {
                int narrowest = IntStream.range(0, c.layers())
                        .map(l -> c.layer(l).hiddenDim()).min().orElseThrow();
                int n = count != null ? count : units(c, 3L * c.dim() * c.layers());
                if (n >= narrowest) {
                    throw new IllegalArgumentException("removing " + n + " FFN neurons per layer"
                            + " leaves none in a layer of " + narrowest + "; ask for fewer");
                }
                yield n;
            }
            case HEADS -> groupsToRemove(c);
            case UNSTRUCTURED -> (int) Math.round(ratio * 1e6);
            case TWO_FOUR -> {
                boolean divisible = IntStream.range(0, c.layers()).allMatch(l ->
                        c.qDim(l) % 4 == 0 && c.layer(l).hiddenDim() % 4 == 0);
                if (c.dim() % 4 != 0 || !divisible) {
                    throw new IllegalArgumentException("2:4 needs widths divisible by 4; this"
                            + " model has dim " + c.dim() + " and layers " + c.layerShapes());
                }
                yield 500_000;
            }
        };
    }

    /**
     * Key/value groups to remove. Every layer keeps one group, so at most all groups but one
     * per layer can go.
     */
    private int groupsToRemove(ModelConfig c) {
        int group = c.groupSize();
        int heads = IntStream.range(0, c.layers()).map(l -> c.layer(l).heads()).sum();
        int removable = heads / group - c.layers();
        long groupParameters = (2L * group + 2) * c.headSize() * c.dim();
        int n;
        if (count != null) {
            if (count % group != 0) {
                throw new IllegalArgumentException("heads go with their key/value head, in"
                        + " groups of " + group + "; --count must be a multiple of " + group
                        + ", got " + count);
            }
            n = count / group;
        } else {
            n = units(c, groupParameters);
        }
        if (n > removable) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "removing %d of %d"
                    + " heads would prune every head of a layer; at most %d can go (one group"
                    + " of %d stays in each of %d layers), %.1f%% of the parameters", n * group,
                    heads, removable * group, group, c.layers(),
                    100.0 * removable * groupParameters / c.parameterCount()));
        }
        return n;
    }

    /** Parameters of the average transformer block. */
    static long meanLayerParameters(ModelConfig c) {
        return IntStream.range(0, c.layers()).mapToLong(c::layerParameters).sum() / c.layers();
    }

    /** The whole units of {@code unitParameters} each closest to {@code ratio} of the model. */
    private int units(ModelConfig c, long unitParameters) {
        return (int) Math.round(ratio * c.parameterCount() / unitParameters);
    }
}
