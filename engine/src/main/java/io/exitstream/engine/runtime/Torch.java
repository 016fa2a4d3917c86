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

    /**
     * Stops autograd recording on the calling thread. PyTorch's grad mode is per thread and on
     * by default; DJL turns it off only on the thread that starts the engine, so a thread that
     * updates weights in place must say so itself.
     */
    public static void stopRecordingGradients() {
        Engine.getEngine("PyTorch");
        JniUtils.setGradMode(false);
    }

    /** The PyTorch version behind DJL, e.g. "2.7.1". */
    public static String version() {
        return Engine.getEngine("PyTorch").getVersion();
    }
}
