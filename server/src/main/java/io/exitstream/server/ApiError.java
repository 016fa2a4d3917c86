package io.exitstream.server;

import io.vertx.core.json.JsonObject;

/**
 * A request the server will not serve, as the HTTP status and OpenAI error object the client
 * gets. Thrown by validation and carried to the handler that writes it.
 */
public final class ApiError extends RuntimeException {

    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public ApiError(int status, String type, String message, String param, String code) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** A 400 the client can fix by changing {@code param}. */
    public static ApiError invalid(String message, String param) {
        return new ApiError(400, "invalid_request_error", message, param, null);
    }

    /** A 404 for a model this server does not serve. */
    public static ApiError modelNotFound(String name, String served) {
        String shown = name.length() > 40 ? name.substring(0, 40) + "..." : name;
        return new ApiError(404, "invalid_request_error", "The model '" + shown
                + "' does not exist; this server serves '" + served + "'", "model",
                "model_not_found");
    }

    public int status() {
        return status;
    }

    /** OpenAI's error object: {@code {"error": {"message", "type", "param", "code"}}}. */
    public JsonObject toJson() {
        return new JsonObject().put("error", new JsonObject()
                .put("message", getMessage())
                .put("type", type)
                .put("param", param)
                .put("code", code));
    }
}
