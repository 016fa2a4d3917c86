package io.exitstream.server;

import io.exitstream.engine.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;

/**
 * A lower bound on a text's token count from its length in bytes, so that a prompt far too
 * long for the context is refused before it is tokenised (a megabyte takes seconds). It holds
 * when every byte of the text is in some token's bytes, as with byte-level BPE or byte
 * fallback: then {@code tokens >= bytes / longestTokenBytes}. A tokenizer that drops or fuses
 * characters (an unknown-token fallback, say) gets no bound at all.
 */
final class PromptBound {

    /** Characters of several UTF-8 lengths, spaces and a newline: what a prompt may hold. */
    private static final String PROBE =
            "Once upon a time, na\u00efve \u4e16\u754c \ud83d\ude42\n\t";

    /** The most bytes one token stands for; 0 when the tokenizer gives no bound. */
    private final int longestToken;

    PromptBound(Tokenizer tokenizer) {
        this.longestToken = keepsEveryByte(tokenizer) ? longestToken(tokenizer) : 0;
    }

    /** At least how many tokens {@code text} encodes to, BOS included; 0 when unknown. */
    long minimumTokens(String text) {
        if (longestToken == 0) {
            return 0;
        }
        long bytes = text.getBytes(StandardCharsets.UTF_8).length;
        return 1 + (bytes + longestToken - 1) / longestToken;
    }

    private static int longestToken(Tokenizer tokenizer) {
        int longest = 1;
        int plain = tokenizer.bosId() == 0 ? 1 : 0;
        for (int token = 0; token < tokenizer.vocabSize(); token++) {
            // After a plain token and after BOS (where a leading space may be dropped).
            longest = Math.max(longest, Math.max(tokenizer.decodeBytes(plain, token).length,
                    tokenizer.decodeBytes(tokenizer.bosId(), token).length));
        }
        return longest;
    }

    private static boolean keepsEveryByte(Tokenizer tokenizer) {
        int[] ids = tokenizer.encode(PROBE, false, false);
        int bytes = 0;
        int previous = tokenizer.bosId();
        for (int id : ids) {
            bytes += tokenizer.decodeBytes(previous, id).length;
            previous = id;
        }
        return bytes >= PROBE.getBytes(StandardCharsets.UTF_8).length;
    }
}
