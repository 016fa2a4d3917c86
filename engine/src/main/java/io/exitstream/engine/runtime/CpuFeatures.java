package io.exitstream.engine.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What this machine's CPU can run, read once from {@code /proc/cpuinfo}. CPUs differ between
 * machines (AVX-512 with BF16 on some, AVX2 only on others), and PyTorch aborts deep inside a
 * bfloat16 path the CPU cannot run ("bf16 path needs the cpu support ..."), so the engine asks
 * here first and refuses with one line that names what is missing.
 *
 * <p>The system property {@code exitstream.cpu.flags} (a space- or comma-separated flag list;
 * blank is the machine's own) stands in for the machine's flags: tests use it to see what a
 * machine without AVX-512 gets.
 */
public record CpuFeatures(String model, Set<String> flags) {

    /** PyTorch's oneDNN bfloat16 check on x86: these three, or AVX-NE-CONVERT alone. */
    private static final List<String> AVX512_FOR_BF16 =
            List.of("avx512bw", "avx512vl", "avx512dq");
    private static final String NE_CONVERT = "avx_ne_convert";
    /** Flags worth naming when a run says which machine it was on. */
    private static final List<String> REPORTED = List.of("avx2", "fma", "f16c", "avx512f",
            "avx512bw", "avx512vl", "avx512dq", "avx512_vnni", "avx512_bf16", NE_CONVERT,
            "amx_bf16", "amx_tile");
    private static final String OVERRIDE = "exitstream.cpu.flags";

    private static CpuFeatures host;

    public CpuFeatures {
        flags = Set.copyOf(flags);
    }

    /** This machine's CPU (or the flags of {@code exitstream.cpu.flags}, when set). */
    public static synchronized CpuFeatures host() {
        String override = System.getProperty(OVERRIDE);
        if (override != null && !override.isBlank()) {
            return new CpuFeatures("flags from -D" + OVERRIDE, parseFlags(override));
        }
        if (host == null) {
            host = read(Path.of("/proc/cpuinfo"));
        }
        return host;
    }

    /** Reads the first processor's model name and flags; empty flags when unreadable. */
    static CpuFeatures read(Path cpuinfo) {
        String model = null;
        Set<String> flags = new LinkedHashSet<>();
        try {
            for (String line : Files.readAllLines(cpuinfo)) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (key.equals("model name") && model == null) {
                    model = value;
                } else if ((key.equals("flags") || key.equals("Features")) && flags.isEmpty()) {
                    flags.addAll(parseFlags(value));
                }
            }
        } catch (IOException e) {
            // Not Linux, or no procfs: nothing is known, so nothing optional is offered.
        }
        return new CpuFeatures(model == null ? System.getProperty("os.arch") : model, flags);
    }

    private static Set<String> parseFlags(String list) {
        Set<String> parsed = new LinkedHashSet<>();
        for (String flag : list.toLowerCase(Locale.ROOT).split("[\\s,]+")) {
            if (!flag.isBlank()) {
                parsed.add(flag);
            }
        }
        return parsed;
    }

    /** Whether PyTorch's bfloat16 paths (packed bf16 matrices, bf16 products) run here. */
    public boolean runsBfloat16() {
        return missingForBfloat16().isEmpty();
    }

    /** The flags bfloat16 needs that this CPU lacks; empty when it has them. */
    public List<String> missingForBfloat16() {
        if (flags.contains(NE_CONVERT) || isArmWithBfloat16()) {
            return List.of();
        }
        List<String> missing = new ArrayList<>();
        for (String flag : AVX512_FOR_BF16) {
            if (!flags.contains(flag)) {
                missing.add(flag);
            }
        }
        return missing;
    }

    private boolean isArmWithBfloat16() {
        return flags.contains("bf16") && flags.contains("asimd");
    }

    /**
     * Refuses {@code what} (e.g. "--weights bfloat16") on a CPU without bfloat16 support, with
     * one line naming the missing flags.
     *
     * @throws IllegalArgumentException when the CPU lacks them
     */
    public void requireBfloat16(String what) {
        List<String> missing = missingForBfloat16();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(what + " needs a CPU with "
                    + String.join(", ", AVX512_FOR_BF16) + " (or " + NE_CONVERT + "); this one ("
                    + model + ") lacks " + String.join(", ", missing) + ": use float32");
        }
    }

    /** The model and the flags that decide the engine's paths, for logs and CI headers. */
    public String describe() {
        List<String> present = REPORTED.stream().filter(flags::contains).toList();
        return model + " [" + (present.isEmpty() ? "none of " + REPORTED
                : String.join(" ", present)) + "]; bfloat16 "
                + (runsBfloat16() ? "available" : "unavailable (lacks "
                + String.join(", ", missingForBfloat16()) + ")");
    }

}
