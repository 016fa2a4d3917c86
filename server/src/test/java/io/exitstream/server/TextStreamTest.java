package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextStreamTest {

    /** Token i decodes to PIECES[i]. */
    private static final String[] PIECES = {"", "Hel", "lo", " wo", "rld", "!", "\n"};

    private static final Tokenizer PIECEWISE = new Tokenizer() {
        @Override
        public int[] encode(String text, boolean bos, boolean eos) {
            throw new UnsupportedOperationException();
        }

        @Override
        public byte[] decodeBytes(int previous, int token) {
            return PIECES[token].getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public int vocabSize() {
            return PIECES.length;
        }

        @Override
        public int bosId() {
            return 0;
        }

        @Override
        public int eosId() {
            return 0;
        }
    };

    @Test
    void withoutStopStringsTextPassesStraightThrough() {
        TextStream text = new TextStream(PIECEWISE, 0, List.of());

        assertThat(text.accept(1)).isEqualTo("Hel");
        assertThat(text.accept(2)).isEqualTo("lo");
        assertThat(text.finish()).isEmpty();
        assertThat(text.stopped()).isFalse();
    }

    @Test
    void textThatMayStartAStopStringIsHeldUntilItCannot() {
        TextStream text = new TextStream(PIECEWISE, 0, List.of("low"));

        assertThat(text.accept(1)).isEqualTo("He");
        assertThat(text.accept(2)).isEqualTo("l");
        assertThat(text.accept(4)).isEqualTo("lorld");
        assertThat(text.stopped()).isFalse();
    }

    @Test
    void aStopStringAcrossTokensCutsTheTextBeforeIt() {
        TextStream text = new TextStream(PIECEWISE, 0, List.of("lo w", "!"));

        assertThat(text.accept(1)).isEqualTo("He");
        assertThat(text.accept(2)).isEqualTo("l");
        assertThat(text.accept(3)).isEqualTo("");
        assertThat(text.stopped()).isTrue();
        assertThat(text.accept(4)).isEmpty();
        assertThat(text.finish()).isEmpty();
    }

    @Test
    void heldTextIsReleasedAtTheEnd() {
        TextStream text = new TextStream(PIECEWISE, 0, List.of("!!"));

        assertThat(text.accept(5)).isEmpty();
        assertThat(text.finish()).isEqualTo("!");
    }
}
