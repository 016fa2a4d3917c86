package io.exitstream.compression.prune;

import io.exitstream.compression.prune.Criterion.Kind;
import io.exitstream.engine.model.ModelConfig;

/**
 * How much to prune: a criterion with either a ratio or a count. Checked twice before any work:
 * on its own when made, and against the model's shape by {@link #amount}.
 *
 * <ul>
 *   <li>Structured criteria: {@code ratio} is the fraction of all parameters to remove (rounded
 *       to whole layers or whole neurons per layer), {@code count} the layers to remove or the
 *       neurons to remove from every layer.</li>
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
     * What to remove from a model of shape {@code c}: layers, heads or neurons per layer, or
     * for unstructured criteria the sparsity in millionths.
     *
     * @throws IllegalArgumentException if the target would empty the model or a layer
     */
    public int amount(ModelConfig c) {
        return switch (criterion.kind()) {
            case LAYERS -> {
                int n = count != null ? count : units(c, perLayerParameters(c));
                if (n >= c.layers()) {
                    throw new IllegalArgumentException("removing " + n + " of " + c.layers()
                            + " layers leaves none; ask for fewer");
                }
                yield n;
            }
            case NEURONS -> {
                int n = count != null ? count : units(c, 3L * c.dim() * c.layers());
                if (n >= c.hiddenDim()) {
                    throw new IllegalArgumentException("removing " + n + " of "
                            + c.hiddenDim() + " FFN neurons per layer leaves none; ask for"
                            + " fewer");
                }
                yield n;
            }
            case HEADS -> {
                int n = count != null ? count
                        : units(c, 2L * c.headSize() * c.dim() * c.layers());
                if (n >= c.heads()) {
                    throw new IllegalArgumentException("removing " + n + " of " + c.heads()
                            + " heads would prune every head of a layer; ask for fewer");
                }
                throw new IllegalArgumentException("heads: pruning attention heads is not"
                        + " supported yet (the engine needs per-layer head counts); use"
                        + " layers, angular, ffn-wanda or ffn-magnitude");
            }
            case UNSTRUCTURED -> (int) Math.round(ratio * 1e6);
            case TWO_FOUR -> {
                if (c.dim() % 4 != 0 || c.hiddenDim() % 4 != 0) {
                    throw new IllegalArgumentException("2:4 needs widths divisible by 4; this"
                            + " model has dim " + c.dim() + " and FFN width " + c.hiddenDim());
                }
                yield 500_000;
            }
        };
    }

    /** Parameters of one transformer block. */
    static long perLayerParameters(ModelConfig c) {
        return 2L * c.dim() + 2L * c.dim() * c.dim() + 2L * c.kvDim() * c.dim()
                + 3L * c.hiddenDim() * c.dim();
    }

    /** The whole units of {@code unitParameters} each closest to {@code ratio} of the model. */
    private int units(ModelConfig c, long unitParameters) {
        return (int) Math.round(ratio * c.parameterCount() / unitParameters);
    }
}
