package io.exitstream.server;

import io.exitstream.engine.tokenizer.StreamingDecoder;
import io.exitstream.engine.tokenizer.Tokenizer;
import java.util.List;

/**
 * The text of one generated sequence, released as it becomes final: text that might be the
 * start of a stop string is held back until it is not, and a stop string ends the text before
 * it. One per sequence; not thread-safe.
 */
final class TextStream {

    private final StreamingDecoder decoder;
    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private boolean stopped;

    TextStream(Tokenizer tokenizer, int lastPromptToken, List<String> stops) {
        this.decoder = new StreamingDecoder(tokenizer, lastPromptToken);
        this.stops = stops;
    }

    /** Adds a token; returns the text that is now final, possibly empty. */
    String accept(int token) {
        if (stopped) {
            return "";
        }
        held.append(decoder.accept(token));
        return release(false);
    }

    /** Ends the sequence: returns everything still held back (nothing after a stop string). */
    String finish() {
        if (stopped) {
            return "";
        }
        held.append(decoder.flush());
        return release(true);
    }

    /** Whether a stop string appeared: the sequence should end. */
    boolean stopped() {
        return stopped;
    }

    private String release(boolean end) {
        int cut = -1;
        for (String stop : stops) {
            int at = held.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            stopped = true;
            return take(cut);
        }
        return take(held.length() - (end ? 0 : heldBack()));
    }

    /** Length of the longest tail of {@code held} that a stop string starts with. */
    private int heldBack() {
        String text = held.toString();
        int longest = 0;
        for (String stop : stops) {
            for (int n = Math.min(stop.length() - 1, text.length()); n > longest; n--) {
                if (text.regionMatches(text.length() - n, stop, 0, n)) {
                    longest = n;
                    break;
                }
            }
        }
        return longest;
    }

    private String take(int length) {
        String text = held.substring(0, length);
        held.delete(0, length);
        return text;
    }
}
