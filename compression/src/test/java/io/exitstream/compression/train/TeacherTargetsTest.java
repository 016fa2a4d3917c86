package io.exitstream.compression.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.exitstream.compression.Progress;
import io.exitstream.compression.Stories;
import io.exitstream.compression.nn.TorchLlama.MatmulPrecision;
import io.exitstream.engine.GarbageCollection;
import io.exitstream.engine.SharedFixtures;
import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.runtime.KvCache;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;
import io.exitstream.engine.tokenizer.ByteLevelBpeTrainer;
import io.exitstream.engine.tokenizer.HuggingFaceTokenizer;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distillation from the shipped model (2048 byte-level BPE tokens) into a student with a
 * byte-level BPE of its own, trained on four of the teacher's stories: where the two
 * tokenizations meet, the targets are the teacher's own next-token probabilities folded into
 * shared pieces, the loss is the cross-entropy over those pieces, and that loss alone teaches a
 * student the language.
 */
class TeacherTargetsTest {

    @TempDir
    static Path temp;

    private static List<String> stories;
    private static HuggingFaceTokenizer student;
    private static Tokenizer teacherTokenizer;
    private static LlamaWeights teacher;
    private static TeacherTargets targets;

    @BeforeAll
    static void align() throws Exception {
        Torch.setThreads(1);
        stories = Stories.texts(4);
        Path json = temp.resolve("tokenizer.json");
        ByteLevelBpeTrainer.train(stories, 700, merges -> { }).write(json);
        student = HuggingFaceTokenizer.load(json);
        teacher = ShippedModel.weights();
        teacherTokenizer = ShippedModel.tokenizer();
        targets = TeacherTargets.compute(stories, student, teacher, teacherTokenizer, 1,
                Progress.NONE);
    }

    @AfterAll
    static void close() {
        // Null when the set-up failed before loading it: that failure is the one to report.
        if (student != null) {
            student.close();
        }
    }

    @Test
    void aStudentTokenAndTheTeacherPieceItStartsWithShareAClass() {
        PieceClasses classes = targets.classes();
        int studentThe = student.encode(" the", false, false)[0];
        int[] teacherThes = teacherTokenizer.encode(" the", false, false);
        assertThat(teacherThes).hasSize(1);
        int teacherThe = teacherThes[0];
        assertThat(new String(teacherTokenizer.decodeBytes(teacherTokenizer.bosId(), teacherThe),
                StandardCharsets.UTF_8)).isEqualTo(" the");
        assertThat(classes.ofStudent(studentThe)).isEqualTo(classes.ofTeacher(teacherThe));
        assertThat(classes.ofStudent(student.eosId())).isEqualTo(PieceClasses.END);
        assertThat(classes.ofTeacher(teacherTokenizer.bosId())).isEqualTo(PieceClasses.END);
        int bosClass = classes.ofStudent(student.bosId());
        for (int v = 0; v < teacherTokenizer.vocabSize(); v++) {
            assertThat(classes.ofTeacher(v)).isNotEqualTo(bosClass);
        }
    }

    /**
     * A SentencePiece teacher (stories260K's tok512, in {@code ../shared}) writes a word start
     * without its space: the dummy-prefix space makes "the" the piece " the", which shares the
     * class of the student's " the".
     */
    @Test
    void aSentencePieceTeachersDummyPrefixSpaceStartsAWord() {
        Tokenizer sentencePiece = TokenizerFiles.load(SharedFixtures.stories260K(), null, 512);
        PieceClasses classes = PieceClasses.of(student, sentencePiece);
        int studentThe = student.encode(" the", false, false)[0];
        int teacherThe = sentencePiece.encode("the", false, false)[0];
        assertThat(new String(sentencePiece.decodeBytes(2, teacherThe),
                StandardCharsets.UTF_8)).isEqualTo(" the");
        assertThat(classes.ofStudent(studentThe)).isEqualTo(classes.ofTeacher(teacherThe));
        assertThat(classes.ofTeacher(sentencePiece.bosId())).isEqualTo(PieceClasses.END);
    }

    @Test
    void mostPositionsAlignAndTheirNextTokensAgree() {
        TeacherTargets.Summary summary = targets.summary();
        assertThat(summary.positions()).isEqualTo(
                TokenWindows.pack(stories, student, 32, 1).tokens());
        assertThat(summary.skippedDocuments()).isZero();
        assertThat(summary.aligned()).isGreaterThan(summary.positions() / 2);
        assertThat(summary.agreement()).isGreaterThan(0.9);
    }

    /**
     * Word by word into the second story, the targets are the engine's own probabilities for
     * the text so far (before a space both tokenizers cut, and encoding the prefix alone gives
     * the teacher the same tokens as encoding the whole story).
     */
    @Test
    void targetsAreTheTeachersNextTokenProbabilitiesFoldedIntoClasses() {
        int[] firstStory = student.encode(stories.get(0), true, true);
        int[] ids = student.encode(stories.get(1), true, true);
        int checked = 0;
        try (LlamaModel engine = LlamaModel.load(teacher)) {
            ByteArrayOutputStream prefix = new ByteArrayOutputStream();
            for (int i = 0; i < ids.length - 1 && checked < 6; i++) {
                if (i > 0) {
                    prefix.writeBytes(student.decodeBytes(ids[i - 1], ids[i]));
                }
                boolean beforeASpace = student.decodeBytes(ids[i], ids[i + 1])[0] == ' ';
                if (!beforeASpace || i % 3 != 0) {
                    continue;
                }
                TeacherTargets.Batch batch = targets.batch(
                        new long[] {firstStory.length + i}, 1);
                assertThat(batch.mask()[0]).isEqualTo(1);
                String text = prefix.toString(StandardCharsets.UTF_8);
                float[] expected = foldedProbabilities(engine, text);
                for (int k = 0; k < TeacherTargets.TOP; k++) {
                    assertThat(batch.probabilities()[k]).isCloseTo(
                            expected[batch.classes()[k]], within(1e-4f));
                }
                float[] sorted = expected.clone();
                Arrays.sort(sorted);
                assertThat(batch.probabilities()[0]).isCloseTo(sorted[sorted.length - 1],
                        within(1e-4f));
                checked++;
            }
        }
        assertThat(checked).isEqualTo(6);
    }

    private static float[] foldedProbabilities(LlamaModel engine, String text) {
        int[] tokens = teacherTokenizer.encode(text, true, false);
        KvCache cache = engine.newCache(1, teacher.config().contextLength());
        float[] logits = engine.prefill(cache, 0, 0, tokens);
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        float[] folded = new float[targets.classes().count()];
        for (int v = 0; v < logits.length; v++) {
            folded[targets.classes().ofTeacher(v)] += (float) (Math.exp(logits[v] - max) / sum);
        }
        return folded;
    }

    @Test
    void theLossIsTheCrossEntropyOverClassesOfTheStudentsSummedProbabilities() {
        int length = 24;
        long start = 5;
        TeacherTargets.Batch batch = targets.batch(new long[] {start}, length);
        int vocab = student.vocabSize();
        float[] logits = new float[length * vocab];
        Random random = new Random(3);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (3 * random.nextGaussian());
        }
        double temperature = 2;
        double expected = 0;
        int present = 0;
        PieceClasses classes = targets.classes();
        for (int i = 0; i < length; i++) {
            if (batch.mask()[i] == 0) {
                continue;
            }
            double[] perClass = new double[classes.count()];
            double max = Double.NEGATIVE_INFINITY;
            for (int s = 0; s < vocab; s++) {
                max = Math.max(max, logits[i * vocab + s] / temperature);
            }
            double sum = 0;
            for (int s = 0; s < vocab; s++) {
                sum += Math.exp(logits[i * vocab + s] / temperature - max);
            }
            for (int s = 0; s < vocab; s++) {
                perClass[classes.ofStudent(s)] +=
                        Math.exp(logits[i * vocab + s] / temperature - max) / sum;
            }
            double kept = 0;
            double keptTeacher = 0;
            double term = 0;
            for (int k = 0; k < TeacherTargets.TOP; k++) {
                double q = batch.probabilities()[i * TeacherTargets.TOP + k];
                double r = perClass[batch.classes()[i * TeacherTargets.TOP + k]];
                term -= q * Math.log(r + 1e-6);
                kept += r;
                keptTeacher += q;
            }
            term -= Math.max(0, 1 - keptTeacher) * Math.log(Math.max(1e-6, 1 - kept));
            expected += term;
            present++;
        }
        assertThat(present).isGreaterThan(length / 3);
        expected = expected / present * temperature * temperature;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray studentLogits = manager.create(logits, new Shape(1, length, vocab));
            float loss = new PieceDistillationLoss(classes).of(studentLogits, batch, temperature)
                    .getFloat();
            assertThat((double) loss).isCloseTo(expected, within(1e-3 * expected));
        }
    }

    @Test
    void theLossesGradientIgnoresACollectionBetweenForwardAndBackward() throws Exception {
        TeacherTargets.Batch batch = targets.batch(new long[] {5}, 24);
        float[] logits = new float[24 * student.vocabSize()];
        Random random = new Random(5);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) random.nextGaussian();
        }
        assertThat(lossGradient(logits, batch, true))
                .containsExactly(lossGradient(logits, batch, false));
    }

    private static float[] lossGradient(float[] logits, TeacherTargets.Batch batch,
            boolean collect) throws InterruptedException {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray studentLogits = manager.create(logits,
                    new Shape(1, 24, student.vocabSize()));
            studentLogits.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = new PieceDistillationLoss(targets.classes())
                        .of(studentLogits, batch, 2);
                List<ByteBuffer> reused = collect ? GarbageCollection.collectAndReuse()
                        : List.of();
                collector.backward(loss);
                assertThat(reused.size()).isEqualTo(collect ? 10_000 : 0);
            }
            return studentLogits.getGradient().toFloatArray();
        }
    }

    @Test
    void distillationAloneTeachesAStudentTheText() {
        ModelConfig tiny = ModelConfig.llama2c(32, 64, 2, 4, 2, student.vocabSize(), 32, true);
        TokenWindows windows = TokenWindows.pack(stories, student, 32, 1);
        LayerSkipOptions distilOnly = new LayerSkipOptions(120, 8, 4, 3e-3, 0.1, 10, 0, 1, 0,
                0, 1, 1, 1, 1, MatmulPrecision.FLOAT32);
        double before;
        double after;
        try (LayerSkipTrainer trainer = LayerSkipTrainer.distillingAcrossVocabularies(
                Initialization.of(tiny, 7), targets, distilOnly)) {
            before = last(trainer.heldOutLoss(windows, 16));
            trainer.train(windows, distilOnly.steps(), step -> { });
            after = last(trainer.heldOutLoss(windows, 16));
        }
        // Never shown a next token, only the teacher's view of it, the student learns them.
        assertThat(before).isGreaterThan(6);
        assertThat(after).isLessThan(before - 1);
    }

    private static double last(double[] losses) {
        return losses[losses.length - 1];
    }
}
