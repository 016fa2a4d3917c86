package io.exitstream.server;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;

/**
 * The fields of a JSON request body, read with their type and range checked after parsing: a
 * value that is missing takes its default; a value of the wrong type, out of range, or in a
 * field the endpoint does not know is an {@link ApiError} naming the field. Messages are ours,
 * never the JSON parser's.
 */
final class JsonBody {

    private final JsonObject json;
    /** Prefixes field names in messages: {@code "stream_options."} for a nested object. */
    private final String path;

    private JsonBody(JsonObject json, String path) {
        this.json = json;
        this.path = path;
    }

    /** Decodes a body that must be one JSON object in UTF-8; {@code body} may be null. */
    static JsonBody parse(Buffer body) {
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
            throw ApiError.invalid("The request body is not valid JSON" + where(e), null);
        }
        if (!(value instanceof JsonObject json)) {
            throw ApiError.invalid("The request body must be a JSON object", null);
        }
        return new JsonBody(json, "");
    }

    /** Where the parser stopped, as line and column, without its own wording. */
    private static String where(DecodeException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof JsonProcessingException json && json.getLocation() != null) {
                JsonLocation at = json.getLocation();
                return " (at line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            }
        }
        return "";
    }

    /** Refuses every field not in {@code known}, naming the first in alphabetical order. */
    JsonBody onlyKnown(Set<String> known) {
        Set<String> unknown = new TreeSet<>(json.fieldNames());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            String field = unknown.iterator().next();
            throw ApiError.invalid("Unknown field '" + path + field + "': it is not part of"
                    + " this endpoint's API, or not supported by this server", path + field);
        }
        return this;
    }

    boolean has(String field) {
        return json.getValue(field) != null;
    }

    Object raw(String field) {
        return json.getValue(field);
    }

    /** The full name of a field, with the path of the object it is in, for messages. */
    String name(String field) {
        return path + field;
    }

    /** A nested object, or null when absent. */
    JsonBody object(String field) {
        Object value = json.getValue(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof JsonObject object)) {
            throw invalid(field, "must be an object, got " + describe(value));
        }
        return new JsonBody(object, path + field + ".");
    }

    String string(String field, String fallback) {
        Object value = json.getValue(field);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof String text)) {
            throw invalid(field, "must be a string, got " + describe(value));
        }
        return text;
    }

    boolean bool(String field, boolean fallback) {
        Object value = json.getValue(field);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Boolean b)) {
            throw invalid(field, "must be true or false, got " + describe(value));
        }
        return b;
    }

    /** An integer in {@code [min, max]}. */
    long integer(String field, long fallback, long min, long max) {
        Object value = json.getValue(field);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Integer || value instanceof Long || value instanceof BigInteger)) {
            throw invalid(field, "must be an integer, got " + describe(value));
        }
        Number n = (Number) value;
        boolean tooLarge = value instanceof BigInteger big ? big.signum() > 0
                : n.longValue() > max;
        boolean tooSmall = value instanceof BigInteger big ? big.signum() < 0
                : n.longValue() < min;
        if (tooLarge || tooSmall) {
            // A bound of the type's own range is no bound to the user: name the other one.
            boolean unbounded = max == Long.MAX_VALUE || max == Integer.MAX_VALUE;
            String range = !unbounded ? "must be between " + min + " and " + max
                    : tooSmall ? "must be at least " + min : "must be at most " + max;
            throw invalid(field, range + ", got " + describe(value));
        }
        return n.longValue();
    }

    /**
     * A number in {@code [min, max]}, checked as the float it becomes, so that a value too
     * small to be a float (top_p 1e-50) is out of range rather than 0 further on.
     */
    float number(String field, float fallback, float min, float max) {
        Object value = json.getValue(field);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Number n)) {
            throw invalid(field, "must be a number, got " + describe(value));
        }
        return inRange(field, n, min, max);
    }

    /** {@link #number} for a value already read, as in an object of token biases. */
    float inRange(String field, Number n, float min, float max) {
        float f = n.floatValue();
        if (!(f >= min && f <= max)) {
            throw invalid(field, "must be between " + plain(min) + " and " + plain(max)
                    + ", got " + describe(n));
        }
        return f;
    }

    /** A number in {@code (0, max]}. */
    float positive(String field, float fallback, float max) {
        Object value = json.getValue(field);
        float f = value instanceof Number n ? n.floatValue() : number(field, fallback, 0f, max);
        if (!(f > 0 && f <= max)) {
            throw invalid(field, "must be in (0, " + plain(max) + "], got " + describe(value));
        }
        return f;
    }

    /** 2 rather than 2.0 in messages. */
    private static String plain(float f) {
        return f == Math.rint(f) ? String.valueOf((long) f) : String.valueOf(f);
    }

    JsonObject asJson() {
        return json;
    }

    ApiError invalid(String field, String problem) {
        return ApiError.invalid(path + field + " " + problem, path + field);
    }

    /** A value for a message: its JSON, cut short, so that a huge value does not echo back. */
    static String describe(Object value) {
        String text = value instanceof String s ? "\"" + s + "\""
                : value instanceof JsonObject || value instanceof JsonArray ? Json.encode(value)
                : String.valueOf(value);
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }
}
