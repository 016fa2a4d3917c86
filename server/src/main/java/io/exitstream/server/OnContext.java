package io.exitstream.server;

import io.exitstream.engine.runtime.TokenReport;
import io.exitstream.engine.sampling.TokenLogprobs;
import io.vertx.core.Context;
import java.util.List;

/**
 * A listener that moves each call from the scheduler thread onto a Vert.x context, where the
 * HTTP response may be written.
 */
final class OnContext implements CompletionListener {

    private final Context context;
    private final CompletionListener target;

    OnContext(Context context, CompletionListener target) {
        this.context = context;
        this.target = target;
    }

    @Override
    public void onPromptLogprobs(List<TokenLogprobs> logprobs) {
        context.runOnContext(v -> target.onPromptLogprobs(logprobs));
    }

    @Override
    public void onToken(String text, TokenReport report, TokenLogprobs logprobs) {
        context.runOnContext(v -> target.onToken(text, report, logprobs));
    }

    @Override
    public void onFinish(String text, String finishReason, int promptTokens,
            int completionTokens) {
        context.runOnContext(v -> target.onFinish(text, finishReason, promptTokens,
                completionTokens));
    }

    @Override
    public void onError(ApiError error) {
        context.runOnContext(v -> target.onError(error));
    }
}
