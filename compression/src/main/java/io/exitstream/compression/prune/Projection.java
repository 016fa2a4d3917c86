package io.exitstream.compression.prune;

import io.exitstream.engine.model.LlamaWeights;

/** The seven weight matrices of a transformer block, each {@code [out, in]}. */
public enum Projection {
    WQ, WK, WV, WO, W1, W2, W3;

    /** This projection's matrices, one per layer (the arrays themselves, not copies). */
    float[][] of(LlamaWeights w) {
        return switch (this) {
            case WQ -> w.wq();
            case WK -> w.wk();
            case WV -> w.wv();
            case WO -> w.wo();
            case W1 -> w.w1();
            case W2 -> w.w2();
            case W3 -> w.w3();
        };
    }

    /**
     * Input width in layer {@code l}: the residual width, the heads' width for {@code wo}, or
     * the feed-forward width for {@code w2}.
     */
    int columns(LlamaWeights w, int l) {
        return switch (this) {
            case WO -> w.config().qDim(l);
            case W2 -> w.config().layer(l).hiddenDim();
            default -> w.config().dim();
        };
    }
}
