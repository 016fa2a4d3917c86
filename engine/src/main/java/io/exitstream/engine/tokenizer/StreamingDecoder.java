package io.exitstream.engine.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns a stream of generated tokens into text as soon as it is complete. A character whose
 * UTF-8 bytes are split across byte tokens is held back until its last byte arrives; bytes that
 * can never form a character become U+FFFD. One decoder per sequence; not thread-safe.
 */
public final class StreamingDecoder {

    private final Tokenizer tokenizer;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    /** Bytes received but not yet decoded (at most an incomplete character), in read mode. */
    private ByteBuffer pending = ByteBuffer.allocate(16).flip();
    private int previous;

    /** A decoder for tokens generated right after BOS. */
    public StreamingDecoder(Tokenizer tokenizer) {
        this(tokenizer, tokenizer.bosId());
    }

    /** A decoder for tokens that follow {@code previous}, e.g. the last prompt token. */
    public StreamingDecoder(Tokenizer tokenizer, int previous) {
        this.tokenizer = tokenizer;
        this.previous = previous;
    }

    /** Adds the next token; returns the text it completes, possibly empty. */
    public String accept(int token) {
        byte[] bytes = tokenizer.decodeBytes(previous, token);
        previous = token;
        append(bytes);
        return decode(false);
    }

    /** Ends the stream: returns what is still held back, an incomplete character as U+FFFD. */
    public String flush() {
        String text = decode(true);
        utf8.reset();
        return text;
    }

    private void append(byte[] bytes) {
        if (pending.remaining() + bytes.length > pending.capacity()) {
            ByteBuffer larger = ByteBuffer.allocate(pending.remaining() + bytes.length + 16);
            larger.put(pending).flip();
            pending = larger;
        }
        pending.compact().put(bytes).flip();
    }

    private String decode(boolean endOfInput) {
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 1);
        // With endOfInput false, an incomplete trailing sequence stays in pending.
        utf8.decode(pending, out, endOfInput);
        if (endOfInput) {
            utf8.flush(out);
        }
        return out.flip().toString();
    }
}
