package io.exitstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import io.exitstream.engine.SharedFixtures;
import io.exitstream.engine.checkpoint.SyntheticModels;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.sampling.SamplingParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GeneratorTest {

    private static final int[] BOS = Shipped.BOS_PROMPT;
    private static final int[] NO_STOP = {};
    private final LlamaModel model = Shipped.model();

    @Test
    void greedyGenerationReproducesTheGoldenIds() {
        JsonArray golden = SharedFixtures.golden().getAsJsonArray("greedy_ids");
        try (Generator generator = new Generator(Stories260K.model(), 1, 512)) {
            List<Integer> streamed = new ArrayList<>();
            Sequence s = generator.generate(
                    new GenerationRequest(new int[] {1}, SamplingParams.greedy(), 200, NO_STOP),
                    streamed::add);
            assertThat(s.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(streamed).hasSize(200);
            for (int i = 0; i < 200; i++) {
                assertThat(streamed.get(i)).as("token %d", i).isEqualTo(golden.get(i).getAsInt());
            }
            assertThat(generator.freeSlots()).isEqualTo(1);
        }
    }

    @Test
    void sequencesJoinAndLeaveTheBatchWithoutDisturbingEachOther() {
        SamplingParams sampled = new SamplingParams(0.8f, 0.9f, 0, 1234);
        int[] alone;
        try (Generator generator = new Generator(model, 1, 256)) {
            alone = generator.generate(new GenerationRequest(BOS, sampled, 40, NO_STOP), t -> { })
                    .generated();
        }
        try (Generator generator = new Generator(model, 3, 256)) {
            Sequence first = generator.start(new GenerationRequest(BOS, sampled, 40, NO_STOP));
            List<Sequence> batch = new ArrayList<>(List.of(first));
            for (int step = 0; !first.isFinished(); step++) {
                if (step == 5) {
                    batch.add(generator.start(new GenerationRequest(new int[] {Shipped.BOS, 403, 407},
                            SamplingParams.greedy(), 3, NO_STOP)));
                }
                if (step == 7) {
                    batch.add(generator.start(new GenerationRequest(BOS,
                            new SamplingParams(1f, 1f, 0, 9), 100, NO_STOP)));
                }
                generator.step(batch);
            }
            assertThat(first.generated()).isEqualTo(alone);
            assertThat(batch.get(1).finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(batch.get(1).generatedCount()).isEqualTo(3);
            batch.forEach(generator::release);
            assertThat(generator.freeSlots()).isEqualTo(3);
        }
    }

    @Test
    void aSequenceLeavingMidBatchDoesNotDisturbTheOthers() {
        int[][] prompts = {BOS, {Shipped.BOS, 403, 407}, {Shipped.BOS, 300, 301, 302}};
        int[][] alone = new int[3][];
        try (Generator generator = new Generator(model, 1, 128)) {
            for (int i = 0; i < 3; i++) {
                alone[i] = generator.generate(new GenerationRequest(prompts[i],
                        SamplingParams.greedy(), 30, NO_STOP), t -> { }).generated();
            }
        }
        try (Generator generator = new Generator(model, 3, 128)) {
            List<Sequence> batch = new ArrayList<>();
            for (int[] prompt : prompts) {
                batch.add(generator.start(new GenerationRequest(prompt, SamplingParams.greedy(),
                        30, NO_STOP)));
            }
            Sequence leaving = batch.get(0);
            for (int step = 0; step < 3; step++) {
                generator.step(batch);
            }
            // The first slot frees up: the last sequence's cache moves into it.
            generator.cancel(leaving);
            generator.release(leaving);
            batch.remove(leaving);
            while (batch.stream().anyMatch(s -> !s.isFinished())) {
                generator.step(batch);
            }
            assertThat(leaving.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(leaving.generated()).containsExactly(
                    java.util.Arrays.copyOf(alone[0], leaving.generatedCount()));
            assertThat(batch.get(0).generated()).isEqualTo(alone[1]);
            assertThat(batch.get(1).generated()).isEqualTo(alone[2]);
            assertThatThrownBy(() -> generator.release(leaving))
                    .hasMessageContaining("not running");
        }
    }

    @Test
    void stopTokensAndTheContextEndGeneration() {
        int stop = Shipped.greedyIds(4)[3];
        try (Generator generator = new Generator(model, 1, 16)) {
            Sequence stopped = generator.generate(new GenerationRequest(BOS,
                    SamplingParams.greedy(), 100, new int[] {stop}), t -> { });
            assertThat(stopped.finishReason()).isEqualTo(FinishReason.STOP);
            assertThat(stopped.generated()).hasSize(Shipped.firstGreedyIndexOf(stop));

            Sequence full = generator.generate(new GenerationRequest(new int[] {Shipped.BOS, 403, 407},
                    SamplingParams.greedy(), 100, NO_STOP), t -> { });
            assertThat(full.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(full.generatedCount()).isEqualTo(16 - 3 + 1);

            assertThatThrownBy(() -> generator.start(new GenerationRequest(new int[16],
                    SamplingParams.greedy(), 1, NO_STOP)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("16 tokens").hasMessageContaining("16 positions");
            assertThat(generator.freeSlots()).isEqualTo(1);
        }
    }

    @Test
    void tenThousandTokensDoNotGrowNativeMemory() throws IOException {
        // A leak is per step, whatever the weights: random ones of stories260K's small shape
        // make the 15,000 tokens quick.
        ModelConfig small = SyntheticModels.shape(
                "dim=64,hidden=172,layers=5,heads=8,kv_heads=4,vocab=512,seq=512");
        try (LlamaModel model = LlamaModel.load(SyntheticModels.random(small, 1));
                Generator generator = new Generator(model, 4, 256)) {
            // The allocator settles during the first few thousand tokens (seen: RSS flat to 1 MB
            // from 5,000 on), so measure after that.
            generateTokens(generator, 5_000);
            long before = residentBytes();
            int tokens = generateTokens(generator, 10_000);
            long growth = residentBytes() - before;
            assertThat(tokens).isGreaterThanOrEqualTo(10_000);
            // Leaking even one small tensor per step would cost more than this over 2,500 steps.
            assertThat(growth).as("resident memory growth in bytes").isLessThan(8L << 20);
        }
    }

    private static int generateTokens(Generator generator, int tokens) {
        int done = 0;
        long seed = 0;
        while (done < tokens) {
            List<Sequence> batch = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                batch.add(generator.start(new GenerationRequest(BOS,
                        new SamplingParams(1f, 0.95f, 0, seed++), 250, NO_STOP)));
            }
            while (batch.stream().anyMatch(s -> !s.isFinished())) {
                generator.step(batch);
            }
            for (Sequence s : batch) {
                done += s.generatedCount();
                generator.release(s);
            }
        }
        return done;
    }

    private static long residentBytes() throws IOException {
        System.gc();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
