package io.exitstream.compression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.exitstream.engine.SharedFixtures;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** stories260K's bits per byte on TinyStories validation text, whole and in sliding windows. */
class BitsPerByteTest {

    private static Path text;
    private static List<String> documents;
    private static BitsPerByte.Result full;

    @BeforeAll
    static void scoreFullContext() {
        text = SharedFixtures.shared().resolve("data/tinystories-valid-sample.txt");
        documents = Corpus.documents(text);
        full = BitsPerByte.measure(Stories.model(), Stories.tokenizer(), text,
                Stories.model().config().contextLength());
        System.out.println("stories260K on " + text.getFileName() + ": " + full);
    }

    @Test
    void everyTokenAfterBosIsScoredAndTheFigureIsPlausible() {
        long tokens = documents.stream()
                .mapToLong(d -> Stories.tokenizer().encode(d, true, false).length - 1).sum();
        long bytes = documents.stream()
                .mapToLong(d -> d.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).sum();

        assertThat(full.documents()).isEqualTo(documents.size()).isEqualTo(19);
        assertThat(full.tokens()).isEqualTo(tokens);
        assertThat(full.bytes()).isEqualTo(bytes);
        // Perplexity about 5.3 at about 2 bytes per token of tok512.
        assertThat(full.bitsPerByte()).isFinite().isBetween(0.8, 1.6)
                .isCloseTo(full.bits() / full.bytes(), within(1e-12));
        assertThat(full.tokensPerByte()).isCloseTo((double) tokens / bytes, within(1e-12));
    }

    @Test
    void aSmallWindowScoresTheSameTokensWithLessContext() {
        BitsPerByte.Result windowed = BitsPerByte.measure(Stories.model(), Stories.tokenizer(),
                text, 64);

        System.out.println("window 64: " + windowed);
        assertThat(windowed.window()).isEqualTo(64);
        assertThat(windowed.tokens()).isEqualTo(full.tokens());
        assertThat(windowed.bytes()).isEqualTo(full.bytes());
        assertThat(windowed.bitsPerByte()).isGreaterThanOrEqualTo(full.bitsPerByte())
                .isLessThan(full.bitsPerByte() * 1.1);
    }

    @Test
    void aDocumentLongerThanTheWindowIsScoredWhole() {
        // The longest document that fits the context, to score it whole as well.
        int context = Stories.model().config().contextLength();
        String longest = documents.stream()
                .filter(d -> Stories.tokenizer().encode(d, true, false).length <= context)
                .max(java.util.Comparator.comparingInt(String::length)).orElseThrow();
        int encoded = Stories.tokenizer().encode(longest, true, false).length;
        assertThat(encoded).isGreaterThan(3 * 33);

        // An odd window: stride 16, each later window prefills its first 17 tokens.
        BitsPerByte.Result result = BitsPerByte.measure(Stories.model(), ExecutionPlan.full(),
                Stories.tokenizer(), List.of(longest), 33);
        BitsPerByte.Result whole = BitsPerByte.measure(Stories.model(), ExecutionPlan.full(),
                Stories.tokenizer(), List.of(longest), encoded);

        assertThat(result.tokens()).isEqualTo(encoded - 1).isEqualTo(whole.tokens());
        assertThat(result.bitsPerByte()).isGreaterThan(whole.bitsPerByte());
    }

    @Test
    void theModelConvertedToHuggingFaceFormatScoresTheSame(@TempDir Path dir) {
        ModelFiles.write(Stories.weights(), SharedFixtures.stories260K(), null, dir);
        try (LlamaModel converted = LlamaModel.load(ModelFormat.load(dir))) {
            BitsPerByte.Result result = BitsPerByte.measure(converted,
                    TokenizerFiles.load(dir, null, 512), text,
                    converted.config().contextLength());

            assertThat(result.tokens()).isEqualTo(full.tokens());
            assertThat(result.bytes()).isEqualTo(full.bytes());
            assertThat(result.bitsPerByte()).isCloseTo(full.bitsPerByte(), within(1e-6));
        }
    }

    @Test
    void aWindowOutsideTheContextIsRefused() {
        int context = Stories.model().config().contextLength();
        assertThatThrownBy(() -> BitsPerByte.measure(Stories.model(), Stories.tokenizer(), text,
                context + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2.." + context);
    }
}
