package io.exitstream.engine.model;

/**
 * The widths of one transformer block, which may differ between blocks once a model is pruned.
 * Every block keeps the model's head size, so a block is described by its head counts.
 *
 * @param heads query heads
 * @param kvHeads key/value heads; {@code heads} is a multiple of it
 * @param hiddenDim width of the feed-forward layer
 */
public record LayerShape(int heads, int kvHeads, int hiddenDim) {

    public LayerShape {
        if (heads <= 0 || kvHeads <= 0 || hiddenDim <= 0) {
            throw new IllegalArgumentException("a layer needs at least one head, one KV head"
                    + " and one FFN neuron, got heads " + heads + ", KV heads " + kvHeads
                    + ", FFN width " + hiddenDim);
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(
                    "head count " + heads + " is not a multiple of the KV head count " + kvHeads);
        }
    }

    /** Query heads that share one key/value head. */
    public int groupSize() {
        return heads / kvHeads;
    }

    /** For messages, e.g. {@code 8 heads/4 KV/172 FFN}. */
    @Override
    public String toString() {
        return heads + " heads/" + kvHeads + " KV/" + hiddenDim + " FFN";
    }
}
