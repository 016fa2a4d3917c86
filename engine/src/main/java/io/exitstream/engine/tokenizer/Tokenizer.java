package io.exitstream.engine.tokenizer;

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

    int eosId();
}
