package io.exitstream.compression.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import io.exitstream.compression.Stories;
import io.exitstream.compression.nn.TorchLlama.MatmulPrecision;
import io.exitstream.compression.nn.TrainingCheckpoint;
import io.exitstream.engine.CpuAssumptions;
import io.exitstream.engine.GarbageCollection;
import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.runtime.Torch;
import io.exitstream.engine.tokenizer.Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny Llama trained from scratch on three stories the shipped model wrote, with its
 * tokenizer: it learns them, exits train where the recipe asks, and a resumed run matches.
 */
class LayerSkipTrainerTest {

    private static ModelConfig tiny;
    private static TokenWindows train;

    @BeforeAll
    static void data() {
        Torch.setThreads(1);
        Tokenizer tokenizer = ShippedModel.tokenizer();
        tiny = ModelConfig.llama2c(32, 64, 4, 4, 2, tokenizer.vocabSize(), 32, true);
        train = TokenWindows.pack(Stories.texts(3), tokenizer, 32, 1);
    }

    private static LayerSkipOptions options(int steps, double layerDrop, double exitScale) {
        return options(steps, layerDrop, exitScale, MatmulPrecision.FLOAT32);
    }

    private static LayerSkipOptions options(int steps, double layerDrop, double exitScale,
            MatmulPrecision matmul) {
        return new LayerSkipOptions(steps, 8, 4, 3e-3, 0.1, 10, 0, 1, layerDrop, exitScale,
                1, 0, 2, 1, matmul);
    }

    private static double[] trainAndScore(LayerSkipOptions options) {
        try (LayerSkipTrainer trainer = new LayerSkipTrainer(Initialization.of(tiny, 7), null,
                options)) {
            trainer.train(train, options.steps(), step -> { });
            return trainer.heldOutLoss(train, train.count());
        }
    }

    @Test
    void trainingFromScratchLearnsItsText() {
        double[] losses = trainAndScore(options(200, 0.1, 0.5));
        assertThat(losses[tiny.layers() - 1]).isLessThan(2.5);
    }

    @Test
    void bfloat16ProductsLearnTheTextAsFloat32OnesDo() {
        CpuAssumptions.assumeBfloat16();
        double[] float32 = trainAndScore(options(200, 0.1, 0.5));
        double[] bfloat16 = trainAndScore(options(200, 0.1, 0.5, MatmulPrecision.BFLOAT16));
        assertThat(bfloat16).isNotEqualTo(float32);
        for (int l = 0; l < tiny.layers(); l++) {
            assertThat(bfloat16[l]).as("exit %d", l).isCloseTo(float32[l], within(0.1));
        }
    }

    @Test
    void theEarlyExitLossMakesAnEarlyLayerAUsablePredictor() {
        double[] withExits = trainAndScore(options(200, 0, 1));
        double[] lastLayerOnly = trainAndScore(options(200, 0, 0));
        // Layer 1's output read through the shared head: trained for it, it predicts well.
        assertThat(withExits[1]).isLessThan(lastLayerOnly[1] - 0.3);
        assertThat(withExits[1]).isLessThan(withExits[tiny.layers() - 1] + 1);
    }

    @Test
    void aRunResumedFromACheckpointEndsWhereAnUninterruptedOneDoes(@TempDir Path out) {
        LayerSkipOptions options = options(6, 0.5, 1);
        double[] uninterrupted;
        LlamaWeights uninterruptedWeights;
        try (LayerSkipTrainer whole = new LayerSkipTrainer(Initialization.of(tiny, 7), null,
                options)) {
            whole.train(train, options.steps(), step -> { });
            uninterrupted = whole.heldOutLoss(train, train.count());
            uninterruptedWeights = whole.weights();
        }
        try (LayerSkipTrainer first = new LayerSkipTrainer(Initialization.of(tiny, 7), null,
                options)) {
            first.train(train, 3, step -> { });
            TrainingCheckpoint.save(out, first.weights(), first.optimizerState(),
                    new JsonObject());
        }
        try (LayerSkipTrainer resumed = new LayerSkipTrainer(TrainingCheckpoint.weights(out),
                null, options)) {
            resumed.resume(TrainingCheckpoint.optimizer(out, resumed.optimizerState()));
            assertThat(resumed.step()).isEqualTo(3);
            resumed.train(train, options.steps(), step -> { });
            assertThat(resumed.weights().wq()[1]).containsExactly(uninterruptedWeights.wq()[1]);
            assertThat(resumed.heldOutLoss(train, train.count())).containsExactly(uninterrupted);
        }
    }

    @Test
    void garbageCollectionDuringTheStepsChangesNothing() throws Exception {
        LayerSkipOptions options = options(8, 0.5, 1);
        double[] undisturbed = trainAndScore(options);
        assertThat(GarbageCollection.whileCollecting(() -> trainAndScore(options)))
                .containsExactly(undisturbed);
    }

    @Test
    void aThreadThatDidNotStartTheEngineTrainsToo() throws Exception {
        // PyTorch records gradients by default on a new thread; in-place updates must not care.
        Throwable[] failure = new Throwable[1];
        Thread other = new Thread(() -> {
            try {
                trainAndScore(options(2, 0, 1));
            } catch (Throwable t) {
                failure[0] = t;
            }
        });
        other.start();
        other.join();
        assertThat(failure[0]).isNull();
    }

    @Test
    void aTeacherWithAnotherVocabularyIsRefused() {
        LlamaWeights teacher = Initialization.of(
                ModelConfig.llama2c(32, 64, 2, 4, 2, 256, 32, true), 1);
        assertThatThrownBy(() -> new LayerSkipTrainer(Initialization.of(tiny, 7), teacher,
                options(1, 0, 1))).hasMessageContaining("same tokenizer");
    }
}
