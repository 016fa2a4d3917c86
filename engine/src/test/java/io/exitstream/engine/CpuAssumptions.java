package io.exitstream.engine;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.exitstream.engine.runtime.CpuFeatures;

/** Skips, with a message naming the CPU, tests that need instructions this machine lacks. */
public final class CpuAssumptions {

    private CpuAssumptions() {
    }

    /** Skips unless the CPU runs PyTorch's bfloat16 paths (AVX-512 BW/VL/DQ or AVX-NE-CONVERT). */
    public static void assumeBfloat16() {
        CpuFeatures cpu = CpuFeatures.host();
        assumeTrue(cpu.runsBfloat16(),
                () -> "skipped: needs bfloat16 instructions; this CPU: " + cpu.describe());
    }
}
