package io.exitstream.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.exitstream.engine.SharedFixtures;
import io.exitstream.engine.checkpoint.CheckpointException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cTokenizerTest {

    private static final int TOK512_VOCAB = 512;
    private static final int LLAMA2_VOCAB = 32000;
    /** The pieces of the small vocabulary after its 259 special and byte tokens. */
    private static final String[] SMALL_PIECES = {" ", "a", "b", " a", "ab", " ab"};
    private static final int SMALL_VOCAB = 259 + SMALL_PIECES.length;

    @TempDir
    Path temp;

    static Llama2cTokenizer tok512() {
        return Llama2cTokenizer.load(SharedFixtures.tok512(), TOK512_VOCAB);
    }

    /**
     * A small llama2.c vocabulary written here, for what any such file shows (the header,
     * truncation, special tokens): tok512's layout of {@code <unk>}, BOS, EOS and the 256 byte
     * tokens, then {@link #SMALL_PIECES} with rising scores.
     */
    private Path smallVocabulary() throws IOException {
        ByteArrayOutputStream pieces = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(
                List.of("<unk>", "\n<s>\n", "\n</s>\n"));
        for (int b = 0; b < 256; b++) {
            all.add(String.format("<0x%02X>", b));
        }
        all.addAll(List.of(SMALL_PIECES));
        for (int id = 0; id < all.size(); id++) {
            byte[] piece = all.get(id).getBytes(StandardCharsets.UTF_8);
            pieces.writeBytes(littleEndian(Float.floatToIntBits(id < 259 ? 0f : -1000f + id)));
            pieces.writeBytes(littleEndian(piece.length));
            pieces.writeBytes(piece);
        }
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(littleEndian(7));
        file.writeBytes(pieces.toByteArray());
        return Files.write(temp.resolve("small.bin"), file.toByteArray());
    }

    private static byte[] littleEndian(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(value).array();
    }

    /** Decodes like run.c prints: each token after the one before, starting after BOS. */
    static String decode(Tokenizer tokenizer, int previous, int... ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            out.writeBytes(tokenizer.decodeBytes(previous, id));
            previous = id;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static int[] greedyIds() {
        return SharedFixtures.golden().getAsJsonArray("greedy_ids").asList().stream()
                .mapToInt(JsonElement::getAsInt).toArray();
    }

    @Test
    void decodingGoldenGreedyIdsFromBosGivesGoldenText() {
        String expected = SharedFixtures.golden().get("greedy_text").getAsString();

        assertThat(decode(tok512(), 1, greedyIds())).isEqualTo(expected);
    }

    @Test
    void goldenTextEncodesToBosAndGoldenGreedyIds() {
        String text = SharedFixtures.golden().get("greedy_text").getAsString();
        int[] expected = new int[201];
        expected[0] = 1;
        System.arraycopy(greedyIds(), 0, expected, 1, 200);

        assertThat(tok512().encode(text, true, false)).containsExactly(expected);
    }

    @Test
    void encodesHandCheckedIds() {
        // Checked against a direct Python port of run.c's encode.
        assertThat(tok512().encode("Lily went to the park with her dog", true, false))
                .containsExactly(1, 317, 263, 377, 267, 265, 282, 295, 433, 335, 311, 400, 428);
        assertThat(tok512().encode("café", false, true)).containsExactly(280, 412, 431, 485, 2);
    }

    @Test
    void goldenPromptsRoundTrip() {
        Llama2cTokenizer tokenizer = tok512();
        for (JsonElement element : SharedFixtures.golden().getAsJsonArray("prompted")) {
            JsonObject prompted = element.getAsJsonObject();
            String prompt = prompted.get("prompt").getAsString();
            int[] ids = tokenizer.encode(prompt, true, false);

            assertThat(ids[0]).isEqualTo(1);
            assertThat(decode(tokenizer, 1, Arrays.copyOfRange(ids, 1, ids.length)))
                    .isEqualTo(prompt);
            assertThat(prompted.get("greedy_text").getAsString()).startsWith(prompt);
        }
    }

    @Test
    void emptyTextHasNoDummyPrefix() throws IOException {
        Llama2cTokenizer tokenizer = Llama2cTokenizer.load(smallVocabulary(), SMALL_VOCAB);
        assertThat(tokenizer.encode("", true, true)).containsExactly(1, 2);
        assertThat(tokenizer.encode("", false, false)).isEmpty();
        assertThat(tokenizer.encode("ab", true, false)).containsExactly(1, 259 + 5);
    }

    @Test
    void characterOutsideVocabularyFallsBackToByteTokens() {
        Llama2cTokenizer tokenizer = tok512();
        // U+00FC is C3 BC, the emoji F0 9F 98 80; byte b is token b + 3.
        int[] ids = tokenizer.encode("\u00fc\uD83D\uDE00", true, false);

        assertThat(ids).containsExactly(1, 410, 0xC3 + 3, 0xBC + 3, 0xF0 + 3, 0x9F + 3,
                0x98 + 3, 0x80 + 3);
        assertThat(decode(tokenizer, 1, Arrays.copyOfRange(ids, 1, ids.length)))
                .isEqualTo("\u00fc\uD83D\uDE00");
    }

    @Test
    void bosAndEosDecodeToNothingAndSpaceIsKeptAfterOtherTokens() throws IOException {
        Llama2cTokenizer tokenizer = Llama2cTokenizer.load(smallVocabulary(), SMALL_VOCAB);
        int space = tokenizer.encode(" a", false, false)[0];

        assertThat(tokenizer.decodeBytes(0, 1)).isEmpty();
        assertThat(tokenizer.decodeBytes(5, 2)).isEmpty();
        assertThat(new String(tokenizer.decodeBytes(1, space), StandardCharsets.UTF_8))
                .isEqualTo("");
        assertThat(new String(tokenizer.decodeBytes(5, space), StandardCharsets.UTF_8))
                .isEqualTo(" ");
        assertThat(tokenizer.decodeBytes(1, 13)).containsExactly('\n');
    }

    @Test
    void writeReproducesTok512ByteForByte() throws IOException {
        Path copy = temp.resolve("tok512.bin");

        tok512().write(copy);

        assertThat(Files.readAllBytes(copy))
                .isEqualTo(Files.readAllBytes(SharedFixtures.tok512()));
    }

    @Test
    void truncatedFileIsRejectedWithItsName() throws IOException {
        byte[] bytes = Files.readAllBytes(smallVocabulary());
        Path truncated = temp.resolve("small-cut.bin");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 3));

        assertThatThrownBy(() -> Llama2cTokenizer.load(truncated, SMALL_VOCAB))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(truncated.toString())
                .hasMessageContaining("truncated")
                .hasMessageContaining("token " + (SMALL_VOCAB - 1) + " of " + SMALL_VOCAB)
                .hasMessageNotContaining("\n");
    }

    @Test
    void tooShortForItsHeaderIsRejected() throws IOException {
        Path tiny = temp.resolve("tiny.bin");
        Files.write(tiny, new byte[] {7, 0});

        assertThatThrownBy(() -> Llama2cTokenizer.load(tiny, TOK512_VOCAB))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(tiny.toString())
                .hasMessageContaining("truncated");
    }

    @Test
    void tokenLongerThanMaxTokenLengthIsCorrupt() throws IOException {
        byte[] bytes = Files.readAllBytes(smallVocabulary());
        Path corrupt = temp.resolve("corrupt.bin");
        bytes[0] = 2; // max_token_length 2, yet "<unk>" has 5 bytes
        Files.write(corrupt, bytes);

        assertThatThrownBy(() -> Llama2cTokenizer.load(corrupt, SMALL_VOCAB))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("corrupt")
                .hasMessageContaining("token 0 has length 5");
    }

    @Test
    void tokenizerLargerThanTheModelVocabularyIsRejected() throws IOException {
        Path small = smallVocabulary();
        assertThatThrownBy(() -> Llama2cTokenizer.load(small, SMALL_VOCAB - 2))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("after its " + (SMALL_VOCAB - 2) + " tokens");
    }

    @Test
    void missingFileIsACheckpointException() {
        Path missing = temp.resolve("nope.bin");

        assertThatThrownBy(() -> Llama2cTokenizer.load(missing, TOK512_VOCAB))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void llama2VocabularyEncodesKnownIdsAndRoundTripsAParagraph() throws IOException {
        Llama2cTokenizer tokenizer =
                Llama2cTokenizer.load(SharedFixtures.llama2Tokenizer(), LLAMA2_VOCAB);
        String paragraph = String.join("\n", Files.readAllLines(sample()).subList(0, 2))
                + "\nNaïve café, 東京 \uD83D\uDE00 — done.";

        assertThat(tokenizer.encode("Hello world", true, false)).containsExactly(1, 15043, 3186);
        int[] ids = tokenizer.encode(paragraph, true, true);
        assertThat(ids).hasSizeLessThan(paragraph.length() / 2);
        assertThat(decode(tokenizer, 1, Arrays.copyOfRange(ids, 1, ids.length)))
                .isEqualTo(paragraph);
    }

    @Test
    void equalScoresMergeTheLeftmostPairFirst() {
        // Llama 2 scores every run of spaces -1e9: 17 spaces (16 and the dummy prefix) become
        // 16 + 1, not 1 + 16 (checked against a Python port of run.c).
        Llama2cTokenizer tokenizer =
                Llama2cTokenizer.load(SharedFixtures.llama2Tokenizer(), LLAMA2_VOCAB);

        assertThat(tokenizer.encode(" ".repeat(16), true, false)).containsExactly(1, 462, 29871);
    }

    @Test
    void llama2VocabularyEncodesTenKilobytesWellUnderASecond() throws IOException {
        Llama2cTokenizer tokenizer =
                Llama2cTokenizer.load(SharedFixtures.llama2Tokenizer(), LLAMA2_VOCAB);
        String text = Files.readString(sample()).substring(0, 10_000);
        tokenizer.encode(text, true, false); // warm up the JIT

        long start = System.nanoTime();
        int[] ids = tokenizer.encode(text, true, false);
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(millis).isLessThan(250);
        assertThat(decode(tokenizer, 1, Arrays.copyOfRange(ids, 1, ids.length)))
                .isEqualTo(text);
    }

    static Path sample() {
        return SharedFixtures.shared().resolve("data/tinystories-valid-sample.txt");
    }
}
