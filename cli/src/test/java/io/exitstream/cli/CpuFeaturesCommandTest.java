package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.CpuStandIn;
import io.exitstream.engine.ShippedModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a machine without AVX-512 gets: the version says what the CPU runs, and an explicit
 * request for bfloat16 weights is one line and exit 1, never an internal error. The machine is
 * stood in for by {@code -Dexitstream.cpu.flags}, so this runs on any CPU.
 */
class CpuFeaturesCommandTest {

    private final CpuStandIn standIn = new CpuStandIn();

    @AfterEach
    void restoreTheCpu() {
        standIn.restore();
    }

    @Test
    void versionNamesTheCpuAndWhetherItRunsBfloat16() {
        standIn.use(CpuStandIn.AVX2_ONLY);
        CliRun run = CliRun.of("--version");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("cpu: flags from -Dexitstream.cpu.flags [avx2 fma f16c];"
                + " bfloat16 unavailable (lacks avx512bw, avx512vl, avx512dq)");
    }

    @Test
    void bfloat16WeightsOnAnAvx2MachineAreOneLineAndExitOne() {
        standIn.use(CpuStandIn.AVX2_ONLY);
        String model = ShippedModel.dir().toString();
        String[][] commands = {
            {"generate", "--model", model, "--weights", "bfloat16", "-n", "2"},
            {"bench", "--model", model, "--weights", "bfloat16", "--tokens", "2", "--runs", "1",
                "--warm-up", "0"},
            // Refused before the server starts: it would otherwise stay up without a model.
            {"serve", "--model", model, "--weights", "bfloat16", "--port", "0"},
        };
        for (String[] args : commands) {
            String command = args[0];
            CliRun run = CliRun.of(args);

            assertThat(run.exitCode()).as(command).isEqualTo(1);
            assertThat(run.err().strip()).as(command).isEqualTo(command + ": --weights bfloat16"
                    + " needs a CPU with avx512bw, avx512vl, avx512dq (or avx_ne_convert); this"
                    + " one (flags from -Dexitstream.cpu.flags) lacks avx512bw, avx512vl,"
                    + " avx512dq: use float32");
        }
    }
}
