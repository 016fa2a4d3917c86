package io.exitstream.router;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * A request the router answers itself, as OpenAI's error object with an HTTP status (and a
 * {@code Retry-After} when waiting helps). Thrown where the problem is found, written once by
 * {@link #send}.
 */
final class RouterError extends RuntimeException {

    private final int status;
    private final String code;
    private final String param;
    private final long retryAfterSeconds;

    private RouterError(int status, String message, String code, String param,
            long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static RouterError of(int status, String message, String code, String param) {
        return new RouterError(status, message, code, param, 0);
    }

    /** 429 or 503: the client may try again after {@code seconds}. */
    static RouterError retryLater(int status, String message, String code, long seconds) {
        return new RouterError(status, message, code, null, Math.max(1, seconds));
    }

    int status() {
        return status;
    }

    JsonObject toJson() {
        String type = status == 401 ? "authentication_error"
                : status == 403 ? "permission_error"
                : status == 429 ? "rate_limit_error"
                : status >= 500 ? "server_error" : "invalid_request_error";
        return new JsonObject().put("error", new JsonObject().put("message", getMessage())
                .put("type", type).put("param", param).put("code", code));
    }

    /** Writes this error unless the response is already under way or gone. */
    void send(HttpServerResponse response) {
        if (response.headWritten() || response.closed()) {
            return;
        }
        if (retryAfterSeconds > 0) {
            response.putHeader("Retry-After", Long.toString(retryAfterSeconds));
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(toJson().encode());
    }
}
