package io.exitstream.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.training.ParameterStore;

/**
 * One TorchScript function with a single tensor result, for code that trains with DJL
 * operations: called inside a {@code GradientCollector}, gradients reach its inputs.
 */
final class ScriptCall implements AutoCloseable {

    private final PtSymbolBlock block;

    private ScriptCall(PtSymbolBlock block) {
        this.block = block;
    }

    /** Compiles {@code source} (a Module named {@code className}); lives until closed. */
    static ScriptCall load(NDManager manager, String className, String source) {
        return new ScriptCall(TorchScriptArchive.load(manager, className, source));
    }

    /** The result, in the first input's manager. */
    NDArray apply(NDArray... inputs) {
        // "training" only switches the module's mode; gradients are recorded whenever the
        // caller's grad mode is on.
        NDArray out = block.forward(new ParameterStore(), new NDList(inputs), true)
                .singletonOrThrow();
        out.attach(inputs[0].getManager());
        return out;
    }

    @Override
    public void close() {
        block.close();
    }
}
