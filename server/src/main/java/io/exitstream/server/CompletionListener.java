package io.exitstream.server;

/**
 * Receives one request's output from the {@link BatchScheduler}, on the scheduler's thread:
 * implementations hand the work to their own thread and return at once.
 */
public interface CompletionListener {

    /**
     * One generated token: the text it made final (possibly empty) and the layer it left at.
     */
    void onToken(String text, int exitLayer);

    /** The request is done; {@code text} is the tail that was still held back. */
    void onFinish(String text, String finishReason, int promptTokens, int completionTokens);

    /** The request failed before or while generating (queue timeout, shutdown). */
    void onError(ApiError error);
}
