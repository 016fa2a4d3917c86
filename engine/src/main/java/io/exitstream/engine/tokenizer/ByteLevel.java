package io.exitstream.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level alphabet and pre-tokenizer, as Hugging Face's {@code ByteLevel}
 * pre-tokenizer applies them with {@code use_regex=true} and {@code add_prefix_space=false}:
 * text splits into words by GPT-2's regex, and each byte of a word's UTF-8 becomes one
 * printable character of the {@code bytes_to_unicode} table (a space is Ġ, a newline Ċ).
 */
public final class ByteLevel {

    /** GPT-2's split pattern; {@code \s} is Unicode white space, as in Oniguruma. */
    private static final Pattern WORDS = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE;

    static {
        int next = 256;
        int maxChar = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC
                    || b >= 0xAE && b <= 0xFF;
            BYTE_TO_CHAR[b] = (char) (printable ? b : next++);
            maxChar = Math.max(maxChar, BYTE_TO_CHAR[b]);
        }
        CHAR_TO_BYTE = new int[maxChar + 1];
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        for (int b = 0; b < 256; b++) {
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
        }
    }

    private ByteLevel() {
    }

    /** The character that stands for byte {@code b} (0 to 255) in a byte-level vocabulary. */
    public static char byteChar(int b) {
        return BYTE_TO_CHAR[b];
    }

    /** Text split into words by GPT-2's regex, each spelled in the byte-level alphabet. */
    public static List<String> preTokenize(String text) {
        List<String> words = new ArrayList<>();
        Matcher matcher = WORDS.matcher(text);
        int end = 0;
        while (matcher.find()) {
            if (matcher.start() > end) {
                words.add(encode(text.substring(end, matcher.start())));
            }
            words.add(encode(matcher.group()));
            end = matcher.end();
        }
        if (end < text.length()) {
            words.add(encode(text.substring(end)));
        }
        return words;
    }

    /** Text's UTF-8 bytes spelled in the byte-level alphabet. */
    public static String encode(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        char[] chars = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            chars[i] = BYTE_TO_CHAR[utf8[i] & 0xFF];
        }
        return new String(chars);
    }

    /**
     * The bytes a byte-level piece stands for. A character outside the alphabet (in an added
     * token, say) stands for its own UTF-8.
     */
    public static byte[] decode(String piece) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(piece.length());
        for (int i = 0; i < piece.length(); ) {
            int c = piece.codePointAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b >= 0) {
                out.write(b);
            } else {
                out.writeBytes(new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8));
            }
            i += Character.charCount(c);
        }
        return out.toByteArray();
    }
}
