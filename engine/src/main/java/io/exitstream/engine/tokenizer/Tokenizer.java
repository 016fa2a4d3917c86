package io.exitstream.engine.tokenizer;

import java.util.Arrays;

/**
 * Text to token ids and back. Implementations are immutable and thread-safe.
 */
public interface Tokenizer {

    /** Encodes text; prepends the BOS id when {@code bos} and appends EOS when {@code eos}. */
    int[] encode(String text, boolean bos, boolean eos);

    /**
     * The bytes that token {@code token} adds to the output when it follows {@code previous}
     * (the leading-space rule after BOS and byte pieces such as {@code <0x0A>} live here).
     * Bytes, not a String: a multi-byte character may be split across tokens.
     */
    byte[] decodeBytes(int previous, int token);

    int vocabSize();

    int bosId();

    /** The main end-of-sequence id, which {@link #encode} appends. */
    int eosId();

    /** Every id that ends a sequence, {@link #eosId()} first (Llama 3 has several). */
    default int[] eosIds() {
        return new int[] {eosId()};
    }

    /**
     * The ids at which generation stops: every EOS, and BOS, which would start another
     * document.
     */
    default int[] stopIds() {
        int[] eos = eosIds();
        int[] stops = Arrays.copyOf(eos, eos.length + 1);
        stops[eos.length] = bosId();
        return stops;
    }
}
