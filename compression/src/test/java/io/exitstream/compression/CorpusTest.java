package io.exitstream.compression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Calibration text from files and from the model itself. */
class CorpusTest {

    @TempDir
    Path dir;

    @Test
    void blankLinesSeparateDocumentsElseEachLineIsOne() throws IOException {
        Path paragraphs = Files.writeString(dir.resolve("p.txt"),
                "Tom had a red ball.\nHe liked it.\n\n\nSue had a cat.\n");
        Path lines = Files.writeString(dir.resolve("l.txt"),
                "Tom had a red ball.\nHe liked it.\n\nSue had a cat.".replace("\n\n", "\n"));

        Corpus byParagraph = Corpus.read(paragraphs, Stories.tokenizer(), 256);
        Corpus byLine = Corpus.read(lines, Stories.tokenizer(), 256);

        assertThat(byParagraph.sequences()).hasSize(2);
        assertThat(byLine.sequences()).hasSize(3);
        assertThat(byParagraph.sequences().get(0)[0]).isEqualTo(Stories.tokenizer().bosId());
        assertThat(Corpus.read(lines, Stories.tokenizer(), 4).sequences())
                .allSatisfy(s -> assertThat(s).hasSizeLessThanOrEqualTo(4));
    }

    @Test
    void emptyTextIsRefusedWithItsName() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n  \n");
        assertThatThrownBy(() -> Corpus.read(empty, Stories.tokenizer(), 256))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty.txt has no text");
    }

    @Test
    void selfGeneratedTextIsReproducibleAndSplitsWithoutOverlap() {
        Corpus again = Corpus.generate(Stories.model(), Stories.tokenizer(), 24, 128, 7);
        Corpus corpus = Stories.generated();
        assertThat(again.sequences()).usingElementComparator(java.util.Arrays::compare)
                .containsExactlyElementsOf(corpus.sequences());
        assertThat(corpus.sequences()).allSatisfy(s -> {
            assertThat(s[0]).isEqualTo(Stories.tokenizer().bosId());
            assertThat(s).hasSizeBetween(2, 128);
        });

        Corpus.Split split = corpus.split(0.25);
        assertThat(split.heldOut().sequences()).hasSize(6);
        List<int[]> both = new ArrayList<>(split.train().sequences());
        both.addAll(split.heldOut().sequences());
        assertThat(both).hasSize(corpus.sequences().size());
        assertThat(split.train().sequences()).doesNotContainAnyElementsOf(
                split.heldOut().sequences());
    }
}
