package io.exitstream.server;

import io.exitstream.engine.sampling.TokenLogprobs;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * OpenAI's {@code logprobs} object of a completion choice ({@code tokens},
 * {@code token_logprobs}, {@code top_logprobs}, {@code text_offset}), filled token by token
 * and taken whole (a JSON reply) or a piece at a time (a stream chunk). The top entries hold
 * the most probable tokens and, as in vLLM, always the chosen one. One per choice; not
 * thread-safe.
 */
final class LogprobsJson {

    /** What JSON can carry for a log probability of minus infinity (vLLM's choice too). */
    private static final float FLOOR = -9999f;

    private final Tokenizer tokenizer;
    private final boolean tokensAsIds;
    private int previous;
    private int textOffset;
    private JsonArray tokens = new JsonArray();
    private JsonArray tokenLogprobs = new JsonArray();
    private JsonArray top = new JsonArray();
    private JsonArray offsets = new JsonArray();

    /**
     * @param lastPromptToken the token before the first generated one, for its text
     * @param textOffset where the generated text starts in the choice's text (after an echo)
     */
    LogprobsJson(Tokenizer tokenizer, boolean tokensAsIds, int lastPromptToken,
            int textOffset) {
        this.tokenizer = tokenizer;
        this.tokensAsIds = tokensAsIds;
        this.previous = lastPromptToken;
        this.textOffset = textOffset;
    }

    /**
     * Starts with the prompt's tokens, from the first: as OpenAI's echo, the first has null
     * for its log probability and top entries.
     */
    void addPrompt(int[] prompt, List<TokenLogprobs> logprobs) {
        previous = tokenizer.bosId();
        textOffset = 0;
        for (int i = 0; i < prompt.length; i++) {
            TokenLogprobs at = logprobs.get(i);
            if (at == null) {
                append(prompt[i], null, null);
            } else {
                add(at);
            }
        }
    }

    void add(TokenLogprobs logprobs) {
        JsonObject best = new JsonObject();
        for (int i = 0; i < logprobs.topTokens().length; i++) {
            best.put(name(logprobs.topTokens()[i]), value(logprobs.topLogprobs()[i]));
        }
        best.put(name(logprobs.token()), value(logprobs.logprob()));
        append(logprobs.token(), value(logprobs.logprob()), best);
    }

    /** One token's entries; null log probability and top entries for a prompt's first. */
    private void append(int token, Float logprob, JsonObject best) {
        tokens.add(name(token));
        tokenLogprobs.add(logprob);
        top.add(best);
        offsets.add(textOffset);
        textOffset += text(token).length();
        previous = token;
    }

    /** The tokens added since the last call, as a {@code logprobs} object. */
    JsonObject take() {
        JsonObject json = new JsonObject().put("tokens", tokens)
                .put("token_logprobs", tokenLogprobs).put("top_logprobs", top)
                .put("text_offset", offsets);
        tokens = new JsonArray();
        tokenLogprobs = new JsonArray();
        top = new JsonArray();
        offsets = new JsonArray();
        return json;
    }

    private String name(int token) {
        return tokensAsIds ? "token_id:" + token : text(token);
    }

    /** A token's text after the previous token; a split character shows as U+FFFD. */
    private String text(int token) {
        return new String(tokenizer.decodeBytes(previous, token), StandardCharsets.UTF_8);
    }

    private static float value(float logprob) {
        return Float.isNaN(logprob) ? FLOOR : Math.max(FLOOR, logprob);
    }
}
