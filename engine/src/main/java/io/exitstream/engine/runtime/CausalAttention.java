package io.exitstream.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Causal softmax attention over whole sequences as one PyTorch call
 * ({@code scaled_dot_product_attention}), for code that trains with DJL operations: DJL has no
 * such operation, and spelling it out (scores, mask, softmax, weighted sum) materialises a
 * {@code [batch, heads, tokens, tokens]} tensor several times over in the forward and backward
 * passes, which is where most of a small model's training step went. Differentiable: called
 * inside a {@code GradientCollector}, gradients reach q, k and v.
 */
public final class CausalAttention implements AutoCloseable {

    private static final String SOURCE = String.join("\n",
            "class CausalAttention(Module):",
            "  __parameters__ = []",
            "  __buffers__ = []",
            "  training : bool",
            "  def forward(self: __torch__.CausalAttention, q: Tensor, k: Tensor, v: Tensor)"
                    + " -> Tensor:",
            // PyTorch's fused CPU kernel takes no grouped K/V (enable_gqa falls back to the
            // unfused "math" path, no faster than DJL ops), so the K/V heads are repeated first.
            "    group = q.size(1) // k.size(1)",
            "    if group > 1:",
            "      k = torch.repeat_interleave(k, group, 1)",
            "      v = torch.repeat_interleave(v, group, 1)",
            "    return torch.scaled_dot_product_attention(q, k, v, None, 0., True)",
            "");

    private final ScriptCall call;

    private CausalAttention(ScriptCall call) {
        this.call = call;
    }

    /** Compiles the call; it lives until {@link #close()} or until {@code manager} closes. */
    public static CausalAttention load(NDManager manager) {
        return new CausalAttention(ScriptCall.load(manager, "CausalAttention", SOURCE));
    }

    /**
     * Attention of {@code q [batch, heads, tokens, headSize]} over {@code k} and {@code v}
     * {@code [batch, kvHeads, tokens, headSize]}, each position seeing itself and those before
     * it, scaled by {@code 1/sqrt(headSize)}. Key/value head {@code j} serves the query heads
     * {@code j * group .. (j + 1) * group - 1}, {@code group = heads / kvHeads}.
     */
    public NDArray apply(NDArray q, NDArray k, NDArray v) {
        return call.apply(q, k, v);
    }

    @Override
    public void close() {
        call.close();
    }
}
