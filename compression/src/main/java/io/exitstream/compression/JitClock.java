package io.exitstream.compression;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Milliseconds the JVM's JIT compilers have spent so far. A benchmark reads it around each run:
 * on a machine with as many cores as PyTorch has threads, a compiler thread at work takes a
 * core from PyTorch, and a run during which it compiled is slower for that reason alone.
 */
public final class JitClock {

    private static final CompilationMXBean COMPILER = ManagementFactory.getCompilationMXBean();

    private JitClock() {
    }

    /** Total compilation time so far, or 0 where the JVM does not tell. */
    public static long millis() {
        return COMPILER != null && COMPILER.isCompilationTimeMonitoringSupported()
                ? COMPILER.getTotalCompilationTime() : 0;
    }
}
