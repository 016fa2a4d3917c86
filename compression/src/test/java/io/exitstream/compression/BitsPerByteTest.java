package io.exitstream.compression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.exitstream.engine.SharedFixtures;
import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped model's bits per byte on stories it wrote, whole and in sliding windows; and
 * stories260K's reference figure on TinyStories validation text, from {@code ../shared}.
 */
class BitsPerByteTest {

    private static final int STORIES = 12;

    @TempDir
    static Path temp;

    private static Path text;
    private static List<String> documents;
    private static BitsPerByte.Result full;

    @BeforeAll
    static void scoreFullContext() throws IOException {
        text = Files.writeString(temp.resolve("stories.txt"),
                String.join("\n\n", Stories.texts(STORIES)) + "\n");
        documents = Corpus.documents(text);
        full = BitsPerByte.measure(Stories.model(), Stories.tokenizer(), text,
                Stories.model().config().contextLength());
        System.out.println(ShippedModel.NAME + " on its own stories: " + full);
    }

    @Test
    void everyTokenAfterBosIsScoredAndTheFigureIsPlausible() {
        long tokens = documents.stream()
                .mapToLong(d -> Stories.tokenizer().encode(d, true, false).length - 1).sum();
        long bytes = documents.stream()
                .mapToLong(d -> d.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).sum();

        assertThat(full.documents()).isEqualTo(documents.size()).isEqualTo(STORIES);
        assertThat(full.tokens()).isEqualTo(tokens);
        assertThat(full.bytes()).isEqualTo(bytes);
        // The model's own samples are likely under it: about 0.9 bits per byte.
        assertThat(full.bitsPerByte()).isFinite().isBetween(0.6, 1.3)
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
        ModelFiles.write(Stories.weights(), ShippedModel.dir(), null, dir);
        try (LlamaModel converted = LlamaModel.load(ModelFormat.load(dir))) {
            BitsPerByte.Result result = BitsPerByte.measure(converted,
                    TokenizerFiles.load(dir, null, converted.config().vocabSize()), text,
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

    /**
     * The reference figure: stories260K (llama2.c format, tok512) on the 19 TinyStories
     * validation stories of {@code ../shared}, and the same once converted to a Hugging Face
     * directory.
     */
    @Test
    void stories260KHasItsReferenceFigureOnTinyStoriesInEitherFormat(@TempDir Path dir) {
        Path sample = SharedFixtures.shared().resolve("data/tinystories-valid-sample.txt");
        LlamaWeights weights = ModelFormat.load(SharedFixtures.stories260K());
        try (LlamaModel model = LlamaModel.load(weights)) {
            BitsPerByte.Result reference = BitsPerByte.measure(model,
                    TokenizerFiles.load(SharedFixtures.stories260K(), null, 512), sample,
                    model.config().contextLength());
            System.out.println("stories260K on " + sample.getFileName() + ": " + reference);

            assertThat(reference.documents()).isEqualTo(19);
            // Perplexity about 5.3 at about 2 bytes per token of tok512.
            assertThat(reference.bitsPerByte()).isFinite().isBetween(0.8, 1.6);

            ModelFiles.write(weights, SharedFixtures.stories260K(), null, dir);
            try (LlamaModel converted = LlamaModel.load(ModelFormat.load(dir))) {
                BitsPerByte.Result result = BitsPerByte.measure(converted,
                        TokenizerFiles.load(dir, null, 512), sample,
                        converted.config().contextLength());
                assertThat(result.tokens()).isEqualTo(reference.tokens());
                assertThat(result.bitsPerByte()).isCloseTo(reference.bitsPerByte(),
                        within(1e-6));
            }
        }
    }
}
