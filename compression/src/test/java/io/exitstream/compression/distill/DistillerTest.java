package io.exitstream.compression.distill;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.exitstream.compression.Corpus;
import io.exitstream.compression.nn.TrainingCheckpoint;
import io.exitstream.engine.GarbageCollection;
import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distilling the shipped model into itself minus its first layer: the KL falls, and a resumed
 * run matches. (Its later layers, trained with layer dropout, can go at almost no cost: only
 * without the first is there much for distillation to win back.)
 */
class DistillerTest {

    private static final DistillOptions OPTIONS = new DistillOptions(2, 0.5, 4, 2, 5e-4, 2);

    /** Every layer of the teacher's but the first. */
    private static int[] kept;
    private static LlamaWeights teacher;
    private static LlamaWeights student;
    private static Corpus train;
    private static Corpus heldOut;

    @BeforeAll
    static void data() {
        Torch.setThreads(1);
        teacher = ShippedModel.weights();
        kept = IntStream.range(1, teacher.config().layers()).toArray();
        student = withoutFirstLayer(teacher);
        var tokenizer = ShippedModel.tokenizer();
        try (LlamaModel model = LlamaModel.load(teacher)) {
            train = Corpus.generate(model, tokenizer, 8, 64, 1);
            heldOut = Corpus.generate(model, tokenizer, 4, 64, 1000);
        }
    }

    @Test
    void distillationLowersTheKlOnHeldOutText() {
        DistillOptions longer = new DistillOptions(2, 0.5, 8, 2, 5e-4, 100);
        try (Distiller distiller = new Distiller(teacher, student, kept, longer)) {
            double before = distiller.heldOutKl(heldOut);
            distiller.train(train, longer.steps(), step -> { });
            double after = distiller.heldOutKl(heldOut);
            assertThat(after).isLessThan(before * 0.9);
        }
    }

    @Test
    void garbageCollectionDuringTheStepsChangesNothing() throws Exception {
        double undisturbed = trainAndScore();
        assertThat(GarbageCollection.whileCollecting(DistillerTest::trainAndScore))
                .isEqualTo(undisturbed);
    }

    @Test
    void aRunResumedFromACheckpointEndsWhereAnUninterruptedOneDoes(@TempDir Path out) {
        double uninterrupted = trainAndScore();
        try (Distiller first = new Distiller(teacher, student, kept, OPTIONS)) {
            first.train(train, 2, step -> { });
            TrainingCheckpoint.save(out, first.student(), first.optimizerState(),
                    new JsonObject());
        }
        assertThat(TrainingCheckpoint.exists(out)).isTrue();
        try (Distiller resumed = new Distiller(teacher, TrainingCheckpoint.weights(out), kept,
                OPTIONS)) {
            resumed.resume(TrainingCheckpoint.optimizer(out, resumed.optimizerState()));
            assertThat(resumed.step()).isEqualTo(2);
            resumed.train(train, OPTIONS.steps(), step -> { });
            assertThat(resumed.student().w1()[0]).isNotEqualTo(student.w1()[0]);
            assertThat(resumed.heldOutKl(train)).isEqualTo(uninterrupted);
        }
    }

    /** The held-out KL on the training text after a whole uninterrupted run. */
    private static double trainAndScore() {
        try (Distiller distiller = new Distiller(teacher, student, kept, OPTIONS)) {
            distiller.train(train, OPTIONS.steps(), step -> { });
            return distiller.heldOutKl(train);
        }
    }

    private static LlamaWeights withoutFirstLayer(LlamaWeights w) {
        ModelConfig c = w.config();
        ModelConfig smaller = new ModelConfig(c.dim(), c.hiddenDim(), kept.length, c.heads(),
                c.kvHeads(), c.vocabSize(), c.contextLength(), c.sharedClassifier(),
                c.normEps(), c.ropeTheta());
        return new LlamaWeights(smaller, w.tokenEmbedding(), pick(w.attentionNorm()),
                pick(w.wq()), pick(w.wk()), pick(w.wv()), pick(w.wo()), pick(w.ffnNorm()),
                pick(w.w1()), pick(w.w2()), pick(w.w3()), w.finalNorm(), w.classifier());
    }

    private static float[][] pick(float[][] perLayer) {
        return Arrays.stream(kept).mapToObj(l -> perLayer[l]).toArray(float[][]::new);
    }
}
