package io.exitstream.server;

import io.exitstream.engine.runtime.TokenReport;
import io.exitstream.engine.sampling.TokenLogprobs;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The answer to one completions request over all its choices: each choice's scheduler events
 * arrive through its own {@link #listener}, and the reply is complete when every choice has
 * finished, or failed at the first error (the other choices are then cancelled). Runs on the
 * Vert.x context; subclasses write JSON or Server-Sent Events.
 */
abstract class CompletionReply {

    /** What one choice has produced so far. */
    static final class Choice {
        final int index;
        /** The echoed prompt, until the choice's first text goes out with it in front. */
        private String echo;
        final List<Integer> exitLayers = new ArrayList<>();
        final LogprobsJson logprobs;
        final QualityClass quality;
        long planVersion;
        int tokens;
        /** The sum of the tokens' log probabilities, what best_of ranks by. */
        double cumulativeLogprob;

        Choice(int index, String echo, LogprobsJson logprobs, QualityClass quality) {
            this.index = index;
            this.quality = quality;
            this.echo = echo;
            this.logprobs = logprobs;
        }

        /** {@code text}, behind the echoed prompt if it has not gone out yet. */
        String withEcho(String text) {
            String out = echo + text;
            echo = "";
            return out;
        }

        /** The log probabilities gathered since the last call, or null if none are asked. */
        JsonObject takeLogprobs() {
            return logprobs == null ? null : logprobs.take();
        }
    }

    protected final CompletionJson json;
    protected final Completions completions;
    protected final List<Choice> choices = new ArrayList<>();
    private Runnable onFailure = () -> { };
    private int unfinished;
    private boolean failed;

    CompletionReply(CompletionJson json, Completions completions, Tokenizer tokenizer) {
        this.json = json;
        this.completions = completions;
        for (int i = 0; i < completions.choices().size(); i++) {
            String echo = completions.echoes().get(i);
            int[] prompt = completions.choices().get(i).generation().prompt();
            LogprobsJson logprobs = completions.logprobs() < 0 ? null : new LogprobsJson(
                    tokenizer, completions.tokensAsIds(), prompt[prompt.length - 1],
                    echo.length());
            choices.add(new Choice(i, echo, logprobs,
                    completions.choices().get(i).quality()));
        }
        unfinished = choices.size();
    }

    /** What to do when the reply fails: cancel the choices still running. */
    void onFailure(Runnable action) {
        onFailure = action;
    }

    /** The listener of choice {@code index}. */
    CompletionListener listener(int index) {
        Choice choice = choices.get(index);
        int[] prompt = completions.choices().get(index).generation().prompt();
        return new CompletionListener() {
            @Override
            public void onPromptLogprobs(List<TokenLogprobs> logprobs) {
                if (!failed && choice.logprobs != null) {
                    choice.logprobs.addPrompt(prompt, logprobs);
                }
            }

            @Override
            public void onToken(String text, TokenReport report, TokenLogprobs logprobs) {
                if (failed) {
                    return;
                }
                choice.exitLayers.add(report.exitLayer());
                choice.planVersion = report.planVersion();
                choice.tokens++;
                if (logprobs != null) {
                    choice.cumulativeLogprob += logprobs.logprob();
                    if (choice.logprobs != null) {
                        choice.logprobs.add(logprobs);
                    }
                }
                token(choice, text, report);
            }

            @Override
            public void onFinish(String text, String finishReason, int promptTokens,
                    int completionTokens) {
                if (failed) {
                    return;
                }
                finish(choice, text, finishReason);
                if (--unfinished == 0) {
                    complete(completions.promptTokens(),
                            choices.stream().mapToInt(c -> c.tokens).sum());
                }
            }

            @Override
            public void onError(ApiError error) {
                fail(error);
            }
        };
    }

    /** Ends the reply with {@code error} unless it already ended; cancels the other choices. */
    void fail(ApiError error) {
        if (failed || unfinished == 0) {
            return;
        }
        failed = true;
        onFailure.run();
        error(error);
    }

    /** A token of {@code choice}, with the text it made final (possibly empty). */
    abstract void token(Choice choice, String text, TokenReport report);

    /** {@code choice} is done; {@code tail} is its text still held back. */
    abstract void finish(Choice choice, String tail, String finishReason);

    /** Every choice is done. */
    abstract void complete(int promptTokens, int completionTokens);

    abstract void error(ApiError error);
}
