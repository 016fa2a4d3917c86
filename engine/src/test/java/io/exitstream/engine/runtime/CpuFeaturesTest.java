package io.exitstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exitstream.engine.CpuStandIn;
import io.exitstream.engine.ShippedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bfloat16 is offered by what the CPU has, and refused in one line where it is missing. */
class CpuFeaturesTest {


    @TempDir
    Path dir;

    private final CpuStandIn standIn = new CpuStandIn();

    @AfterEach
    void restoreTheCpu() {
        standIn.restore();
    }

    @Test
    void readsTheModelAndFlagsOfTheFirstProcessor() throws IOException {
        Path cpuinfo = Files.writeString(dir.resolve("cpuinfo"), String.join("\n",
                "processor\t: 0", "model name\t: AMD EPYC 7B13",
                "flags\t\t: fpu avx avx2 avx512f avx512bw avx512vl avx512dq avx512_bf16", "",
                "processor\t: 1", "model name\t: AMD EPYC 7B13", "flags\t\t: fpu avx", ""));
        CpuFeatures cpu = CpuFeatures.read(cpuinfo);
        assertThat(cpu.model()).isEqualTo("AMD EPYC 7B13");
        assertThat(cpu.runsBfloat16()).isTrue();
        assertThat(cpu.describe()).isEqualTo("AMD EPYC 7B13 [avx2 avx512f avx512bw avx512vl"
                + " avx512dq avx512_bf16]; bfloat16 available");
    }

    @Test
    void avxNeConvertAloneRunsBfloat16AndAvx2AloneDoesNot() {
        assertThat(new CpuFeatures("x", Set.of("avx2", "avx_ne_convert"))
                .runsBfloat16()).isTrue();
        CpuFeatures avx2 = new CpuFeatures("AMD EPYC",
                Set.of(CpuStandIn.AVX2_ONLY.split(" ")));
        assertThat(avx2.missingForBfloat16())
                .containsExactly("avx512bw", "avx512vl", "avx512dq");
        assertThat(avx2.describe()).isEqualTo("AMD EPYC [avx2 fma f16c]; bfloat16 unavailable"
                + " (lacks avx512bw, avx512vl, avx512dq)");
    }

    @Test
    void aMachineWithoutTheFlagsRefusesBfloat16WeightsInOneLineBeforePyTorchSeesThem() {
        standIn.use(CpuStandIn.AVX2_ONLY);
        assertThatThrownBy(() -> LlamaModel.load(ShippedModel.weights(), WeightType.BFLOAT16))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--weights bfloat16 needs a CPU with avx512bw, avx512vl, avx512dq"
                        + " (or avx_ne_convert); this one (flags from -Dexitstream.cpu.flags)"
                        + " lacks avx512bw, avx512vl, avx512dq: use float32");
        // float32 needs nothing beyond x86-64's baseline and AVX2.
        try (LlamaModel model = LlamaModel.load(ShippedModel.weights(), WeightType.FLOAT32)) {
            assertThat(model.weightType()).isEqualTo(WeightType.FLOAT32);
        }
    }
}
