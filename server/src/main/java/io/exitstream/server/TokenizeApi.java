package io.exitstream.server;

import io.exitstream.engine.tokenizer.StreamingDecoder;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * vLLM's {@code /tokenize} and {@code /detokenize}: the served model's tokenizer over HTTP,
 * so that clients can count tokens and build {@code logit_bias} maps. Bodies in, bodies out;
 * the caller runs them off the event loop (a long text takes a while to tokenise).
 */
final class TokenizeApi {

    private final String model;
    private final Tokenizer tokenizer;
    private final int contextLength;

    TokenizeApi(String model, Tokenizer tokenizer, int contextLength) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.contextLength = contextLength;
    }

    /**
     * {@code {"prompt": text, "add_special_tokens": true}} to
     * {@code {"count", "max_model_len", "tokens"}}.
     */
    JsonObject tokenize(Buffer body) {
        JsonBody json = JsonBody.parse(body)
                .onlyKnown(Set.of("model", "prompt", "add_special_tokens"));
        checkModel(json);
        String prompt = json.string("prompt", null);
        if (prompt == null) {
            throw ApiError.invalid("prompt is required: the text to tokenize", "prompt");
        }
        int[] ids = tokenizer.encode(prompt, json.bool("add_special_tokens", true), false);
        JsonArray tokens = new JsonArray();
        for (int id : ids) {
            tokens.add(id);
        }
        return new JsonObject().put("count", ids.length).put("max_model_len", contextLength)
                .put("tokens", tokens);
    }

    /** {@code {"tokens": [ids]}} to {@code {"prompt": text}}. */
    JsonObject detokenize(Buffer body) {
        JsonBody json = JsonBody.parse(body).onlyKnown(Set.of("model", "tokens"));
        checkModel(json);
        Object tokens = json.raw("tokens");
        if (!(tokens instanceof JsonArray ids)) {
            throw json.invalid("tokens", "is required: a list of token ids in 0.."
                    + (tokenizer.vocabSize() - 1));
        }
        StreamingDecoder decoder = new StreamingDecoder(tokenizer);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < ids.size(); i++) {
            if (!(ids.getValue(i) instanceof Integer id) || id < 0
                    || id >= tokenizer.vocabSize()) {
                throw json.invalid("tokens", "must be token ids in 0.."
                        + (tokenizer.vocabSize() - 1) + "; element " + i + " is "
                        + JsonBody.describe(ids.getValue(i)));
            }
            text.append(decoder.accept(id));
        }
        return new JsonObject().put("prompt", text.append(decoder.flush()).toString());
    }

    private void checkModel(JsonBody json) {
        String name = json.string("model", model);
        if (!model.equals(name)) {
            throw ApiError.modelNotFound(name, model);
        }
    }
}
