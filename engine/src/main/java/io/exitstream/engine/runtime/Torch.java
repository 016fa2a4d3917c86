package io.exitstream.engine.runtime;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/** Process-wide PyTorch settings: the one place outside the runtime that names the backend. */
public final class Torch {

    private Torch() {
    }

    /** Threads PyTorch uses inside one operation (matmuls); defaults to the core count. */
    public static void setThreads(int threads) {
        if (threads <= 0) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(threads);
    }

    public static int threads() {
        Engine.getEngine("PyTorch");
        return JniUtils.getNumThreads();
    }

    /** The PyTorch version behind DJL, e.g. "2.7.1". */
    public static String version() {
        return Engine.getEngine("PyTorch").getVersion();
    }
}
