package io.exitstream.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.SharedFixtures;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamingDecoderTest {

    /** Tokens 0..255 are raw bytes; 256 is BOS; 257 is " hi", which loses its space after BOS. */
    private static final Tokenizer BYTES = new Tokenizer() {
        @Override
        public int[] encode(String text, boolean bos, boolean eos) {
            throw new UnsupportedOperationException();
        }

        @Override
        public byte[] decodeBytes(int previous, int token) {
            if (token == 257) {
                return (previous == 256 ? "hi" : " hi").getBytes(StandardCharsets.UTF_8);
            }
            return token == 256 ? new byte[0] : new byte[] {(byte) token};
        }

        @Override
        public int vocabSize() {
            return 258;
        }

        @Override
        public int bosId() {
            return 256;
        }

        @Override
        public int eosId() {
            return 256;
        }
    };

    private static List<String> acceptAll(StreamingDecoder decoder, int... tokens) {
        List<String> out = new ArrayList<>();
        for (int token : tokens) {
            out.add(decoder.accept(token));
        }
        return out;
    }

    @Test
    void multiByteCharacterIsEmittedOnceWhenComplete() {
        StreamingDecoder decoder = new StreamingDecoder(BYTES);

        // U+20AC is E2 82 AC; the emoji U+1F600 is F0 9F 98 80 (two Java chars).
        assertThat(acceptAll(decoder, 'a', 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 'b'))
                .containsExactly("a", "", "", "\u20ac", "", "", "", "\uD83D\uDE00", "b");
        assertThat(decoder.flush()).isEmpty();
    }

    @Test
    void invalidBytesBecomeReplacementCharacters() {
        StreamingDecoder decoder = new StreamingDecoder(BYTES);

        assertThat(acceptAll(decoder, 0xFF, 'x', 0xE2, 'y'))
                .containsExactly("\ufffd", "x", "", "\ufffdy");
    }

    @Test
    void incompleteCharacterAtTheEndIsFlushedAsReplacement() {
        StreamingDecoder decoder = new StreamingDecoder(BYTES);

        assertThat(acceptAll(decoder, 'z', 0xE2, 0x82)).containsExactly("z", "", "");
        assertThat(decoder.flush()).isEqualTo("\ufffd");
        assertThat(decoder.accept('q')).isEqualTo("q");
    }

    @Test
    void tracksThePreviousTokenForTheSpaceAfterBos() {
        assertThat(acceptAll(new StreamingDecoder(BYTES), 257, 257)).containsExactly("hi", " hi");
        assertThat(acceptAll(new StreamingDecoder(BYTES, 'a'), 257)).containsExactly(" hi");
        assertThat(acceptAll(new StreamingDecoder(BYTES, 'a'), 256, 257))
                .containsExactly("", "hi");
    }

    @Test
    void streamsGoldenGreedyIdsToGoldenText() {
        StreamingDecoder decoder = new StreamingDecoder(Llama2cTokenizerTest.tok512());
        StringBuilder text = new StringBuilder();
        for (int id : Llama2cTokenizerTest.greedyIds()) {
            text.append(decoder.accept(id));
        }
        text.append(decoder.flush());

        assertThat(text.toString())
                .isEqualTo(SharedFixtures.golden().get("greedy_text").getAsString());
    }

    @Test
    void byteFallbackCharacterFromTok512AppearsOnlyWithItsLastByte() {
        Llama2cTokenizer tokenizer = Llama2cTokenizerTest.tok512();
        int[] ids = tokenizer.encode("\u00fc!", true, false); // BOS, " ", C3, BC, "!"
        StreamingDecoder decoder = new StreamingDecoder(tokenizer);

        assertThat(acceptAll(decoder, ids[1], ids[2], ids[3], ids[4]))
                .containsExactly("", "", "\u00fc", "!");
    }
}
