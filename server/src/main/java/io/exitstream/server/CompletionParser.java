package io.exitstream.server;

import io.exitstream.engine.runtime.GenerationRequest;
import io.exitstream.engine.sampling.SamplingParams;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Turns a {@code /v1/completions} body into a {@link CompletionRequest}, or an {@link ApiError}
 * that says which field to change. Tokenises the prompt, so it runs off the event loop.
 */
public final class CompletionParser {

    private static final int DEFAULT_MAX_TOKENS = 16;
    private static final int MAX_STOPS = 4;

    private final String model;
    private final Tokenizer tokenizer;
    private final int contextLength;

    public CompletionParser(String model, Tokenizer tokenizer, int contextLength) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.contextLength = contextLength;
    }

    /** Parses and validates a request body; {@code body} is null when it was empty. */
    public CompletionRequest parse(Buffer body) {
        JsonObject json = object(body);
        Object name = json.getValue("model");
        if (name != null && !model.equals(name)) {
            throw new ApiError(404, "invalid_request_error", "The model '" + name
                    + "' does not exist; this server serves '" + model + "'", "model",
                    "model_not_found");
        }
        if (integer(json, "n", 1) != 1) {
            throw ApiError.invalid("n must be 1: one choice per request is supported", "n");
        }
        int[] prompt = prompt(json);
        if (prompt.length >= contextLength) {
            throw ApiError.invalid("The prompt is " + prompt.length + " tokens but the model's"
                    + " context is " + contextLength + " tokens; shorten the prompt", "prompt");
        }
        int maxTokens = integer(json, "max_tokens", DEFAULT_MAX_TOKENS);
        if (maxTokens <= 0) {
            throw ApiError.invalid("max_tokens must be at least 1, got " + maxTokens,
                    "max_tokens");
        }
        if ((long) prompt.length + maxTokens > contextLength) {
            throw ApiError.invalid("max_tokens is " + maxTokens + " but the prompt leaves "
                    + (contextLength - prompt.length) + " of the model's " + contextLength
                    + " context tokens; lower max_tokens", "max_tokens");
        }
        double temperature = number(json, "temperature", 1);
        if (!(temperature >= 0 && temperature <= 2)) {
            throw ApiError.invalid("temperature must be between 0 and 2, got " + temperature,
                    "temperature");
        }
        double topP = number(json, "top_p", 1);
        if (!(topP > 0 && topP <= 1)) {
            throw ApiError.invalid("top_p must be in (0, 1], got " + topP, "top_p");
        }
        long seed = json.getValue("seed") == null ? ThreadLocalRandom.current().nextLong()
                : integer(json, "seed", 0);
        SamplingParams sampling = new SamplingParams((float) temperature, (float) topP, 0, seed);
        // BOS as well as EOS: llama2.c models separate documents with BOS. ignore_eos (as in
        // vLLM) generates max_tokens whatever comes: benchmarks want a known length.
        int[] stopTokens = bool(json, "ignore_eos") ? new int[0]
                : new int[] {tokenizer.eosId(), tokenizer.bosId()};
        return new CompletionRequest(new GenerationRequest(prompt, sampling, maxTokens, stopTokens),
                stops(json), bool(json, "stream"), includeUsage(json));
    }

    private static JsonObject object(Buffer body) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body == null ? new byte[0] : body.getBytes()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw ApiError.invalid("The request body is not valid UTF-8", null);
        }
        Object value;
        try {
            value = text.isBlank() ? null : Json.decodeValue(text);
        } catch (DecodeException e) {
            throw ApiError.invalid("The request body is not valid JSON: " + e.getMessage(), null);
        }
        if (!(value instanceof JsonObject json)) {
            throw ApiError.invalid("The request body must be a JSON object", null);
        }
        return json;
    }

    private int[] prompt(JsonObject json) {
        Object prompt = json.getValue("prompt");
        if (prompt == null) {
            throw ApiError.invalid("prompt is required: a string or an array of token ids",
                    "prompt");
        }
        if (prompt instanceof String text) {
            return tokenizer.encode(text, true, false);
        }
        if (prompt instanceof JsonArray array && !array.isEmpty()) {
            int[] ids = new int[array.size()];
            for (int i = 0; i < ids.length; i++) {
                Object id = array.getValue(i);
                if (!(id instanceof Integer token) || token < 0
                        || token >= tokenizer.vocabSize()) {
                    throw ApiError.invalid("prompt must be a string or an array of token ids in"
                            + " 0.." + (tokenizer.vocabSize() - 1) + "; element " + i + " is "
                            + id, "prompt");
                }
                ids[i] = token;
            }
            return ids;
        }
        throw ApiError.invalid("prompt must be a non-empty string or array of token ids",
                "prompt");
    }

    private static List<String> stops(JsonObject json) {
        Object stop = json.getValue("stop");
        if (stop == null) {
            return List.of();
        }
        if (stop instanceof String text) {
            return text.isEmpty() ? List.of() : List.of(text);
        }
        if (stop instanceof JsonArray array && array.size() <= MAX_STOPS) {
            List<String> stops = new ArrayList<>();
            for (Object s : array) {
                if (!(s instanceof String text)) {
                    throw ApiError.invalid("stop must be a string or an array of strings",
                            "stop");
                }
                if (!text.isEmpty()) {
                    stops.add(text);
                }
            }
            return stops;
        }
        throw ApiError.invalid("stop must be a string or an array of up to " + MAX_STOPS
                + " strings", "stop");
    }

    private static boolean includeUsage(JsonObject json) {
        Object options = json.getValue("stream_options");
        if (options == null) {
            return false;
        }
        if (!(options instanceof JsonObject object)) {
            throw ApiError.invalid("stream_options must be an object", "stream_options");
        }
        return bool(object, "include_usage");
    }

    private static boolean bool(JsonObject json, String field) {
        Object value = json.getValue(field);
        if (value == null) {
            return false;
        }
        if (!(value instanceof Boolean b)) {
            throw ApiError.invalid(field + " must be true or false, got " + value, field);
        }
        return b;
    }

    private static int integer(JsonObject json, String field, int fallback) {
        Object value = json.getValue(field);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Integer i) {
            return i;
        }
        if (value instanceof Long) {
            throw ApiError.invalid(field + " is out of range: " + value, field);
        }
        throw ApiError.invalid(field + " must be an integer, got " + value, field);
    }

    private static double number(JsonObject json, String field, double fallback) {
        Object value = json.getValue(field);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Number n)) {
            throw ApiError.invalid(field + " must be a number, got " + value, field);
        }
        return n.doubleValue();
    }
}
