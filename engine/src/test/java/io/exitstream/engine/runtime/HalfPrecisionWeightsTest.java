package io.exitstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.CpuAssumptions;
import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.checkpoint.HuggingFaceCheckpoint;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.checkpoint.TensorDType;
import io.exitstream.engine.exits.ExitHead;
import io.exitstream.engine.exits.ExitHeads;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.EnumSource.Mode;
import org.junit.jupiter.api.io.TempDir;

/**
 * bf16 and fp16 checkpoints load (widened to fp32) and compute what the fp32 model does; the
 * runtime's bf16 weights do too, within bf16's precision.
 */
class HalfPrecisionWeightsTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(value = TensorDType.class, names = "F32", mode = Mode.EXCLUDE)
    void halfPrecisionCheckpointsLoadAndRunCloseToFp32(TensorDType dtype) {
        LlamaWeights full = ShippedModel.weights();
        Path dir = tmp.resolve(dtype.name());
        HuggingFaceCheckpoint.write(full, dir, dtype);
        float[] expected;
        float[] actual;
        try (LlamaModel model = LlamaModel.load(full); KvCache cache = model.newCache(1, 8)) {
            expected = model.prefill(cache, 0, 0, new int[] {Shipped.BOS, 403, 407, 261});
        }
        try (LlamaModel model = LlamaModel.load(ModelFormat.load(dir));
                KvCache cache = model.newCache(1, 8)) {
            actual = model.prefill(cache, 0, 0, new int[] {Shipped.BOS, 403, 407, 261});
        }
        assertThat(actual).isNotEqualTo(expected);
        double maxError = 0;
        for (int v = 0; v < expected.length; v++) {
            maxError = Math.max(maxError, Math.abs(actual[v] - expected[v]));
        }
        // Rounding the weights to 8 (bf16) or 11 (fp16) mantissa bits moves logits of magnitude
        // ~10 by a few hundredths at most; the prediction stays the same.
        assertThat(maxError).isLessThan(dtype == TensorDType.BF16 ? 0.3 : 0.05);
        assertThat(LlamaModelGoldenTest.argmax(actual))
                .isEqualTo(LlamaModelGoldenTest.argmax(expected));
    }

    @Test
    void bfloat16RuntimeWeightsPredictLikeFloat32() {
        CpuAssumptions.assumeBfloat16();
        LlamaWeights weights = ShippedModel.weights();
        int[] prompt = {Shipped.BOS, 403, 407, 261, 378, 432};
        float[] expected;
        float[] actual;
        try (LlamaModel model = LlamaModel.load(weights); KvCache cache = model.newCache(1, 8)) {
            expected = model.prefill(cache, 0, 0, prompt);
        }
        try (LlamaModel model = LlamaModel.load(weights, WeightType.BFLOAT16);
                KvCache cache = model.newCache(1, 8)) {
            assertThat(model.weightType()).isEqualTo(WeightType.BFLOAT16);
            actual = model.prefill(cache, 0, 0, prompt);
        }
        double maxError = 0;
        for (int v = 0; v < expected.length; v++) {
            maxError = Math.max(maxError, Math.abs(actual[v] - expected[v]));
        }
        assertThat(maxError).isGreaterThan(0).isLessThan(0.5);
        assertThat(LlamaModelGoldenTest.argmax(actual))
                .isEqualTo(LlamaModelGoldenTest.argmax(expected));
    }

    /**
     * bf16 matrices are packed for oneDNN and cannot be sliced: a row that exits early still
     * gets keys and values in the deeper layers (through the whole attention matrix), and its
     * tokens are those of running the shallow layers alone.
     */
    @Test
    void bfloat16ConfidenceExitsPropagateThroughPackedMatrices() {
        CpuAssumptions.assumeBfloat16();
        LlamaWeights weights = ShippedModel.weights();
        int dim = weights.config().dim();
        try (LlamaModel model = LlamaModel.load(weights, WeightType.BFLOAT16)) {
            model.useExitHeads(ExitHeads.of(new ExitHead(1, new float[dim], 20f)));
            int[] exiting;
            try (Generator generator = new Generator(model, 1, 64)) {
                generator.setPlan(new ExecutionPlan(7, List.of(),
                        new ExitPolicy.Confidence(new TreeMap<>(Map.of(1, 0.9f)), 1)));
                Sequence s = generator.generate(Requests.greedy(Shipped.BOS_PROMPT, 20), t -> { });
                assertThat(s.reports().subList(1, 20))
                        .allSatisfy(r -> assertThat(r.exitLayer()).isEqualTo(1));
                exiting = s.generated();
            }
            try (Generator generator = new Generator(model, 1, 64)) {
                generator.setPlan(new ExecutionPlan(1, List.of(2, 3, 4, 5, 6, 7),
                        new ExitPolicy.None()));
                int[] shallow = generator.generate(
                        Requests.greedy(new int[] {Shipped.BOS, exiting[0]}, 19), t -> { }).generated();
                assertThat(shallow).isEqualTo(Arrays.copyOfRange(exiting, 1, 20));
            }
        }
    }
}
