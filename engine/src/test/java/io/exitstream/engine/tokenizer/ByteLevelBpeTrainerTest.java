package io.exitstream.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ByteLevelBpeTrainerTest {

    private static final int VOCAB = 400;
    private static List<String> corpus;
    private static ByteLevelBpe bpe;
    private static int lastProgress;

    @TempDir
    static Path temp;

    private static Path tokenizerJson;

    /** A few hundred varied sentences: punctuation, digits, newlines, runs of spaces, Unicode. */
    static List<String> corpus() {
        String[] subjects = {"The cat", "A little dog", "Lily", "Tom", "The old man", "My friend",
            "Un garçon naïve", "The café owner", "Our teacher", "She"};
        String[] verbs = {"walked to", "looked at", "didn't like", "sang about", "ran past",
            "we'll visit", "painted", "found", "dreamed of", "counted"};
        String[] objects = {"the park", "a red ball", "3 apples", "the 1999 car", "Zoë's hat",
            "東京の空", "a 🌞 in the sky", "the river's edge", "12,345 stars", "the résumé"};
        String[] endings = {".", "!", "?", "...", " -- really.", ";", ":)", " (again).", ",",
            "\n"};
        Random random = new Random(7);
        List<String> documents = new ArrayList<>();
        for (int d = 0; d < 300; d++) {
            StringBuilder text = new StringBuilder();
            int sentences = 1 + random.nextInt(3);
            for (int s = 0; s < sentences; s++) {
                text.append(subjects[random.nextInt(subjects.length)]).append(' ')
                        .append(verbs[random.nextInt(verbs.length)]).append(' ')
                        .append(objects[random.nextInt(objects.length)])
                        .append(endings[random.nextInt(endings.length)]);
                text.append(switch (random.nextInt(5)) {
                    case 0 -> "\n";
                    case 1 -> "   ";
                    case 2 -> "\n\n  ";
                    default -> " ";
                });
            }
            documents.add(text.toString());
        }
        return documents;
    }

    @BeforeAll
    static void train() {
        corpus = corpus();
        bpe = ByteLevelBpeTrainer.train(corpus, VOCAB, merges -> lastProgress = merges);
        tokenizerJson = temp.resolve("tokenizer.json");
        bpe.write(tokenizerJson);
    }

    @Test
    void vocabularyHasTheSizeAskedForWithSpecialsAndBytesFirst() {
        assertThat(bpe.vocabSize()).isEqualTo(VOCAB);
        assertThat(bpe.pieces().subList(0, 2)).containsExactly("<s>", "</s>");
        assertThat(bpe.pieces().get(ByteLevelBpe.FIRST_BYTE_ID + ' ')).isEqualTo("Ġ");
        assertThat(bpe.pieces().get(ByteLevelBpe.FIRST_BYTE_ID + 'a')).isEqualTo("a");
        assertThat(bpe.merges()).hasSize(VOCAB - ByteLevelBpe.FIRST_MERGE_ID);
        assertThat(lastProgress).isEqualTo(bpe.merges().size());
        assertThat(bpe.documents()).isEqualTo(corpus.size());
    }

    @Test
    void vocabularySizeOutOfRangeIsRejected() {
        assertThatThrownBy(() -> new ByteLevelBpeTrainer(258))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("259..65536");
        assertThatThrownBy(() -> new ByteLevelBpeTrainer(65537))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65537");
    }

    @Test
    void smallCorpusStopsWhenNoPairIsLeft() {
        ByteLevelBpe tiny = ByteLevelBpeTrainer.train(List.of("abab"), 2048, m -> { });
        assertThat(tiny.pieces().subList(ByteLevelBpe.FIRST_MERGE_ID, tiny.vocabSize()))
                .containsExactly("ab", "abab");
        assertThat(tiny.segment("abab")).containsExactly(ByteLevelBpe.FIRST_MERGE_ID + 1);
    }

    @Test
    void frequentWordsBecomeSingleTokens() {
        Map<String, Integer> frequency = new HashMap<>();
        for (String document : corpus) {
            Matcher words = Pattern.compile(" ?\\p{L}+").matcher(document);
            while (words.find()) {
                frequency.merge(words.group(), 1, Integer::sum);
            }
        }
        List<String> top = frequency.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(8).map(Map.Entry::getKey).toList();
        assertThat(top).contains(" the");
        for (String word : top) {
            assertThat(bpe.segment(word)).as(word).hasSize(1);
        }
        assertThat(bpe.corpusTokens()).isLessThan(bpe.bytes() / 2);
    }

    @Test
    void theLibraryReproducesTheTrainingSegmentation() {
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.load(tokenizerJson)) {
            assertThat(hf.vocabSize()).isEqualTo(VOCAB);
            assertThat(hf.bosId()).isZero();
            assertThat(hf.eosId()).isEqualTo(1);
            long tokens = 0;
            for (String document : corpus) {
                int[] ids = hf.encode(document, false, false);
                assertThat(ids).as(document).containsExactly(bpe.segment(document));
                tokens += ids.length;
            }
            assertThat(tokens).isEqualTo(bpe.corpusTokens());
        }
    }

    @Test
    void literalSpecialTokensAreSpecialInTrainingAndInTheLibrary() {
        ByteLevelBpe small = ByteLevelBpeTrainer.train(List.of("ab<s>ab</s>ab"), 300, m -> { });
        assertThat(small.pieces()).doesNotContain("b<s>", "<s>a", "s>");
        int ab = ByteLevelBpe.FIRST_MERGE_ID;
        assertThat(small.segment("ab<s>ab</s>")).containsExactly(ab, 0, ab, 1);
        Path file = temp.resolve("specials.json");
        small.write(file);
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.load(file)) {
            assertThat(hf.encode("ab<s>ab</s>", false, false)).containsExactly(ab, 0, ab, 1);
        }
    }

    @Test
    void djlLoadsTheFileDirectly() throws Exception {
        try (var library = ai.djl.huggingface.tokenizers.HuggingFaceTokenizer.newInstance(
                tokenizerJson, Map.of("addSpecialTokens", "false"))) {
            String text = "The cat looked at the park.";
            long[] ids = library.encode(text).getIds();
            assertThat(ids).hasSizeLessThan(text.length());
            assertThat(library.decode(ids)).isEqualTo(text);
        }
    }

    @Test
    void anyTextRoundTripsIncludingCharactersNeverSeen() {
        String text = "Ünïcödé ∑ 𝔘𝔫𝔦 🤖🦜 \u0000\t\r\n ÿ\u00a0\u3000 日本語 Ελληνικά  'll 's   x\n\n";
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.load(tokenizerJson)) {
            int[] ids = hf.encode(text, true, true);
            assertThat(ids[0]).isZero();
            assertThat(ids[ids.length - 1]).isEqualTo(1);
            assertThat(decode(hf, ids)).isEqualTo(text);
            assertThat(ids).containsSubsequence(bpe.segment(text));
            for (String document : corpus.subList(0, 20)) {
                assertThat(decode(hf, hf.encode(document, true, false))).isEqualTo(document);
            }
        }
    }

    @Test
    void streamingDecoderEmitsAMultiByteCharacterOnceComplete() {
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.load(tokenizerJson)) {
            int[] ids = hf.encode("🦜", false, false);
            assertThat(ids).hasSizeGreaterThan(1);
            StreamingDecoder decoder = new StreamingDecoder(hf);
            for (int i = 0; i < ids.length - 1; i++) {
                assertThat(decoder.accept(ids[i])).isEmpty();
            }
            assertThat(decoder.accept(ids[ids.length - 1])).isEqualTo("🦜");
            assertThat(decoder.accept(hf.encode(" the", false, false)[0])).isEqualTo(" the");
            assertThat(decoder.accept(hf.eosId())).isEmpty();
        }
    }

    private static String decode(Tokenizer tokenizer, int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < ids.length; i++) {
            out.writeBytes(tokenizer.decodeBytes(i == 0 ? -1 : ids[i - 1], ids[i]));
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
