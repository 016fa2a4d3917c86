package io.exitstream.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A matrix product with both operands rounded to bfloat16 and the result accumulated and
 * returned in float32, for code that trains with DJL operations (mixed precision, as PyTorch's
 * CPU autocast does it): the float32 tensors stay the master copies, and the rounding is part
 * of the recorded graph, so gradients come back to them in float32.
 *
 * <p>Why: on processors that are not Intel's, PyTorch's float32 products go through MKL's
 * generic kernel, while bfloat16 products go through oneDNN, which picks its kernel by
 * instruction set (AVX-512 BF16 where there is one). A training step's products forward and
 * backward ran 2 to 4 times faster that way on an AMD EPYC host. DJL cannot cast to bfloat16
 * itself (see {@link TorchScriptArchive}), so the casts happen inside the script.
 */
public final class BfloatMatmul implements AutoCloseable {

    private static final String SOURCE = String.join("\n",
            "class BfloatMatmul(Module):",
            "  __parameters__ = []",
            "  __buffers__ = []",
            "  training : bool",
            "  def forward(self: __torch__.BfloatMatmul, x: Tensor, w: Tensor) -> Tensor:",
            // dtype codes: 15 bfloat16, 6 float32.
            "    return torch.to(torch.matmul(torch.to(x, 15), torch.to(w, 15)), 6)",
            "");

    private final ScriptCall call;

    private BfloatMatmul(ScriptCall call) {
        this.call = call;
    }

    /** Compiles the call; it lives until {@link #close()} or until {@code manager} closes. */
    public static BfloatMatmul load(NDManager manager) {
        CpuFeatures.host().requireBfloat16("bfloat16 products (--matmul bfloat16)");
        return new BfloatMatmul(ScriptCall.load(manager, "BfloatMatmul", SOURCE));
    }

    /**
     * {@code x @ w} as {@link NDArray#matMul} broadcasts it, both float32, with bfloat16
     * operands; the result is float32 and lands in {@code x}'s manager.
     */
    public NDArray apply(NDArray x, NDArray w) {
        return call.apply(x, w);
    }

    @Override
    public void close() {
        call.close();
    }
}
