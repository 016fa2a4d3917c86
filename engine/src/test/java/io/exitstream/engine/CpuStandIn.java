package io.exitstream.engine;

/**
 * Stands another CPU in for this machine's through {@code -Dexitstream.cpu.flags}, and puts
 * back the stand-in the run started with (mvn {@code -Dexitstream.cpu.flags=...}) after.
 */
public final class CpuStandIn {

    /** The flags of a 2-core AMD EPYC (Milan) with AVX2 and no AVX-512. */
    public static final String AVX2_ONLY =
            "fpu sse sse2 ssse3 sse4_1 sse4_2 avx f16c fma avx2";
    private static final String PROPERTY = "exitstream.cpu.flags";

    private final String startedWith = System.getProperty(PROPERTY);

    /** From now on the engine sees a CPU with {@code flags}. */
    public void use(String flags) {
        System.setProperty(PROPERTY, flags);
    }

    /** Back to the CPU the run started with. */
    public void restore() {
        if (startedWith == null) {
            System.clearProperty(PROPERTY);
        } else {
            System.setProperty(PROPERTY, startedWith);
        }
    }
}
