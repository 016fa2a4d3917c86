package io.exitstream.compression.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.exitstream.compression.Progress;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.KvCache;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Rows;
import io.exitstream.engine.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A teacher's next-token distributions for a student with another tokenizer, for logit
 * distillation across vocabularies. At every point where both tokenizations of a document cut
 * the text (word starts, nearly always), the teacher's distribution over its next token is
 * folded into {@link PieceClasses} and its {@link #TOP} most likely classes are kept. Positions
 * are those of {@link TokenWindows#pack}'s stream for the same documents and student tokenizer,
 * so a training window finds its targets by its start.
 */
public final class TeacherTargets {

    /** Classes kept per position; the rest of the teacher's mass is one remainder. */
    public static final int TOP = 32;

    /**
     * Targets for a batch of windows, row-major {@code [windows, length]} positions.
     *
     * @param classes {@code TOP} class ids per position (0 where the position has no target)
     * @param probabilities the teacher's probability of each of those classes (0 where none)
     * @param mask 1 where the position has a target
     */
    public record Batch(int[] classes, float[] probabilities, float[] mask) {
    }

    /**
     * What the alignment found.
     *
     * @param positions student positions in the stream
     * @param aligned positions with a target
     * @param agreement among aligned positions, how often the next student token and the next
     *     teacher token of the document fall in the same class
     * @param skippedDocuments documents whose two tokenizations do not spell the same bytes
     */
    public record Summary(long positions, long aligned, double agreement,
            int skippedDocuments) {
    }

    private final PieceClasses classes;
    private final int[] rowAt;
    private final char[] top;
    private final float[] probability;
    private final Summary summary;

    private TeacherTargets(PieceClasses classes, int[] rowAt, char[] top, float[] probability,
            Summary summary) {
        this.classes = classes;
        this.rowAt = rowAt;
        this.top = top;
        this.probability = probability;
        this.summary = summary;
    }

    /**
     * Runs the teacher over every document (its own tokenization, from BOS, at most its
     * context) and keeps its class distributions where the tokenizations align.
     *
     * @param temperature the teacher's softmax temperature
     */
    public static TeacherTargets compute(List<String> documents, Tokenizer student,
            LlamaWeights teacher, Tokenizer teacherTokenizer, double temperature,
            Progress progress) {
        PieceClasses classes = PieceClasses.of(student, teacherTokenizer);
        Builder builder = new Builder(classes);
        int context = teacher.config().contextLength();
        int[] layers = IntStream.range(0, teacher.config().layers()).toArray();
        progress.begin("teacher", documents.size());
        try (LlamaModel model = LlamaModel.load(teacher)) {
            KvCache cache = model.newCache(1, context);
            for (String document : documents) {
                Alignment alignment = Alignment.of(document, student, teacherTokenizer, context);
                builder.add(alignment, teacherDistribution(model, cache, layers,
                        alignment.teacherIds, temperature));
                progress.step();
            }
        } finally {
            progress.end();
        }
        return builder.build();
    }

    public PieceClasses classes() {
        return classes;
    }

    public Summary summary() {
        return summary;
    }

    /** Student tokens in the stream these targets were made for. */
    public int tokens() {
        return rowAt.length;
    }

    /** Targets of the positions {@code start .. start + length - 1} of each window. */
    public Batch batch(long[] starts, int length) {
        int positions = starts.length * length;
        int[] ids = new int[positions * TOP];
        float[] p = new float[positions * TOP];
        float[] mask = new float[positions];
        for (int w = 0; w < starts.length; w++) {
            for (int i = 0; i < length; i++) {
                int row = rowAt[Math.toIntExact(starts[w] + i)];
                if (row < 0) {
                    continue;
                }
                int at = w * length + i;
                mask[at] = 1;
                for (int k = 0; k < TOP; k++) {
                    ids[at * TOP + k] = top[row * TOP + k];
                    p[at * TOP + k] = probability[row * TOP + k];
                }
            }
        }
        return new Batch(ids, p, mask);
    }

    /**
     * The teacher's probabilities {@code [positions, vocab]} after each of its document's
     * tokens: one prefill pass through the serving engine, every position's logits kept.
     */
    private static float[] teacherDistribution(LlamaModel model, KvCache cache, int[] layers,
            int[] tokens, double temperature) {
        try (NDManager scope = model.newScope()) {
            Rows rows = model.prefillRows(scope, cache, 0, 0, tokens.length);
            NDArray hidden = model.hidden(scope, tokens, layers, rows, cache);
            return model.logits(hidden).div((float) temperature).softmax(-1).toFloatArray();
        }
    }

    /**
     * One document's two tokenizations and where they meet: {@code teacherAt[i]} is the
     * teacher position whose context is the same text as student position {@code i}'s, or -1.
     */
    private record Alignment(int[] studentIds, int[] teacherIds, int[] teacherAt,
            boolean spelledAlike) {

        static Alignment of(String document, Tokenizer student, Tokenizer teacher,
                int context) {
            int[] s = student.encode(document, true, true);
            int[] t = teacher.encode(document, true, false);
            t = Arrays.copyOf(t, Math.min(t.length, context));
            int bytes = document.getBytes(StandardCharsets.UTF_8).length;
            long[] studentEnds = ends(s, student);
            long[] teacherEnds = ends(t, teacher);
            int[] teacherAt = new int[s.length];
            Arrays.fill(teacherAt, -1);
            // The last student position (its EOS) predicts the next document: no target.
            boolean alike = studentEnds[s.length - 1] == bytes
                    && (t.length == context || teacherEnds[t.length - 1] == bytes);
            if (alike) {
                int j = 0;
                for (int i = 0; i < s.length - 1; i++) {
                    while (j < t.length && teacherEnds[j] < studentEnds[i]) {
                        j++;
                    }
                    if (j < t.length && teacherEnds[j] == studentEnds[i]) {
                        teacherAt[i] = j;
                    }
                }
            }
            return new Alignment(s, t, teacherAt, alike);
        }

        /** Bytes of text after each token (BOS and EOS add none). */
        private static long[] ends(int[] ids, Tokenizer tokenizer) {
            long[] ends = new long[ids.length];
            long at = 0;
            for (int i = 0; i < ids.length; i++) {
                if (i > 0) {
                    at += tokenizer.decodeBytes(ids[i - 1], ids[i]).length;
                }
                ends[i] = at;
            }
            return ends;
        }
    }

    /** Accumulates rows in stream order. */
    private static final class Builder {
        private final PieceClasses classes;
        private int[] rowAt = new int[1 << 16];
        private char[] top = new char[(1 << 14) * TOP];
        private float[] probability = new float[top.length];
        private int positions;
        private int rows;
        private long agreeing;
        private int skipped;

        Builder(PieceClasses classes) {
            if (classes.count() > Character.MAX_VALUE + 1) {
                throw new IllegalArgumentException("the vocabularies share " + classes.count()
                        + " pieces; at most " + (Character.MAX_VALUE + 1) + " are supported");
            }
            this.classes = classes;
        }

        void add(Alignment a, float[] teacher) {
            if (!a.spelledAlike) {
                skipped++;
            }
            int vocab = classes.teacherVocabSize();
            float[] folded = new float[classes.count()];
            for (int i = 0; i < a.studentIds.length; i++) {
                int j = a.teacherAt[i];
                if (j < 0) {
                    append(-1);
                    continue;
                }
                Arrays.fill(folded, 0);
                for (int v = 0; v < vocab; v++) {
                    folded[classes.ofTeacher(v)] += teacher[j * vocab + v];
                }
                keepTop(folded);
                append(rows++);
                // After the teacher's last token the document ends (or its context does).
                int teacherNext = j + 1 < a.teacherIds.length
                        ? classes.ofTeacher(a.teacherIds[j + 1]) : PieceClasses.END;
                if (teacherNext == classes.ofStudent(a.studentIds[i + 1])) {
                    agreeing++;
                }
            }
        }

        private void append(int row) {
            if (positions == rowAt.length) {
                rowAt = Arrays.copyOf(rowAt, rowAt.length * 2);
            }
            rowAt[positions++] = row;
        }

        /** Stores the {@code TOP} largest classes of {@code folded}, largest first. */
        private void keepTop(float[] folded) {
            if ((rows + 1) * TOP > top.length) {
                top = Arrays.copyOf(top, top.length * 2);
                probability = Arrays.copyOf(probability, top.length);
            }
            int base = rows * TOP;
            int kept = 0;
            for (int c = 0; c < folded.length; c++) {
                float p = folded[c];
                if (kept == TOP && p <= probability[base + TOP - 1]) {
                    continue;
                }
                int at = kept == TOP ? TOP - 1 : kept++;
                while (at > 0 && probability[base + at - 1] < p) {
                    probability[base + at] = probability[base + at - 1];
                    top[base + at] = top[base + at - 1];
                    at--;
                }
                probability[base + at] = p;
                top[base + at] = (char) c;
            }
        }

        TeacherTargets build() {
            Summary summary = new Summary(positions, rows,
                    rows == 0 ? 0 : agreeing / (double) rows, skipped);
            return new TeacherTargets(classes, Arrays.copyOf(rowAt, positions),
                    Arrays.copyOf(top, rows * TOP), Arrays.copyOf(probability, rows * TOP),
                    summary);
        }
    }
}
