package io.exitstream.compression.train;

import io.exitstream.engine.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The outcomes that two tokenizers can both express at a point where both cut the text: "the
 * continuation starts with teacher piece v". A student token falls in the class of the longest
 * teacher piece its bytes start with; a teacher token in the class of the longest student token
 * its bytes start with (so a teacher piece that no student token starts with, such as a whole
 * word the student spells in two tokens, joins the class the student's first token of it is
 * in). End of document is one class on both sides (the teacher's BOS and EOS, the student's
 * EOS). Distillation compares the two models' probabilities per class, which is exact for
 * every continuation that both tokenizers cut the same way and close for the others.
 */
public final class PieceClasses {

    /** The end-of-document class. */
    public static final int END = 0;

    private final int[] studentClass;
    private final int[] teacherClass;
    private final int count;

    private PieceClasses(int[] studentClass, int[] teacherClass, int count) {
        this.studentClass = studentClass;
        this.teacherClass = teacherClass;
        this.count = count;
    }

    /**
     * @throws IllegalArgumentException when a token of one vocabulary starts with no piece of
     *     the other (a vocabulary without single bytes)
     */
    public static PieceClasses of(Tokenizer student, Tokenizer teacher) {
        byte[][] studentPieces = pieces(student);
        byte[][] teacherPieces = pieces(teacher);
        LongestPrefix teacherPrefix = new LongestPrefix(teacherPieces);
        LongestPrefix studentPrefix = new LongestPrefix(studentPieces);
        int[] classOfTeacherPiece = new int[teacher.vocabSize()];
        Arrays.fill(classOfTeacherPiece, -1);
        int count = END + 1;
        int[] studentClass = new int[student.vocabSize()];
        for (int s = 0; s < studentClass.length; s++) {
            if (s == student.eosId()) {
                studentClass[s] = END;
            } else if (studentPieces[s].length == 0) {
                // BOS and other text-less tokens: a class of their own that no teacher token
                // joins, so distillation teaches the student never to predict them mid-text.
                studentClass[s] = count++;
            } else {
                int piece = teacherPrefix.of(studentPieces[s], "student", s);
                if (classOfTeacherPiece[piece] < 0) {
                    classOfTeacherPiece[piece] = count++;
                }
                studentClass[s] = classOfTeacherPiece[piece];
            }
        }
        int[] teacherClass = new int[teacher.vocabSize()];
        for (int v = 0; v < teacherClass.length; v++) {
            teacherClass[v] = teacherPieces[v].length == 0 ? END
                    : studentClass[studentPrefix.of(teacherPieces[v], "teacher", v)];
        }
        return new PieceClasses(studentClass, teacherClass, count);
    }

    /** Classes in all. */
    public int count() {
        return count;
    }

    public int studentVocabSize() {
        return studentClass.length;
    }

    public int teacherVocabSize() {
        return teacherClass.length;
    }

    public int ofStudent(int token) {
        return studentClass[token];
    }

    public int ofTeacher(int token) {
        return teacherClass[token];
    }

    /** Each token's bytes mid-text (no leading-space rule); empty for BOS, EOS and unknown. */
    private static byte[][] pieces(Tokenizer tokenizer) {
        byte[][] pieces = new byte[tokenizer.vocabSize()][];
        int notBos = tokenizer.eosId();
        for (int t = 0; t < pieces.length; t++) {
            pieces[t] = t == tokenizer.bosId() || t == tokenizer.eosId() ? new byte[0]
                    : tokenizer.decodeBytes(notBos, t);
        }
        return pieces;
    }

    /** The token whose bytes are the longest prefix of given bytes, among a vocabulary's. */
    private static final class LongestPrefix {
        private final Map<String, Integer> ids = new HashMap<>();
        private int longest;

        LongestPrefix(byte[][] pieces) {
            for (int t = 0; t < pieces.length; t++) {
                if (pieces[t].length > 0) {
                    // The first id wins: duplicates (a byte piece and a one-byte text piece)
                    // spell the same bytes.
                    ids.putIfAbsent(key(pieces[t], pieces[t].length), t);
                    longest = Math.max(longest, pieces[t].length);
                }
            }
        }

        int of(byte[] bytes, String side, int token) {
            for (int n = Math.min(longest, bytes.length); n > 0; n--) {
                Integer id = ids.get(key(bytes, n));
                if (id != null) {
                    return id;
                }
            }
            throw new IllegalArgumentException("no token of the other vocabulary starts the "
                    + side + "'s token " + token + " (" + new String(bytes,
                            StandardCharsets.UTF_8) + "): it needs single-byte pieces");
        }

        private static String key(byte[] bytes, int length) {
            return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
        }
    }
}
