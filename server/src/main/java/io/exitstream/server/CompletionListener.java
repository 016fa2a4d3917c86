package io.exitstream.server;

import io.exitstream.engine.runtime.TokenReport;
import io.exitstream.engine.sampling.TokenLogprobs;
import java.util.List;

/**
 * Receives one request's output from the {@link BatchScheduler}, on the scheduler's thread:
 * implementations hand the work to their own thread and return at once.
 */
public interface CompletionListener {

    /**
     * The prompt's log probabilities, position by position (null at position 0), before the
     * first token; only when the request asked for them (echo with logprobs).
     */
    void onPromptLogprobs(List<TokenLogprobs> logprobs);

    /**
     * One generated token: the text it made final (possibly empty) and how it was made (the
     * layer it left at, the plan it ran under) and its log probabilities (null unless asked
     * for).
     */
    void onToken(String text, TokenReport report, TokenLogprobs logprobs);

    /**
     * The request is done; {@code text} is the tail that was still held back. The finish
     * reason is {@code stop}, {@code length}, or {@code abort} when a shutdown cut it short.
     */
    void onFinish(String text, String finishReason, int promptTokens, int completionTokens);

    /** The request failed before or while generating (queue timeout, shutdown). */
    void onError(ApiError error);
}
