package io.exitstream.server;

import java.util.List;

/**
 * A validated {@code /v1/completions} body: one {@link CompletionRequest} per candidate (each
 * prompt of a list, {@code bestOf} times), and how the answer shows them.
 *
 * @param choices the sequences to generate, prompt by prompt
 * @param echoes per choice the prompt text to put before the generated text ("" without
 *     {@code echo})
 * @param promptTokens the prompts' tokens, each prompt counted once, for {@code usage}
 * @param logprobs how many most probable tokens to report with each token, or -1 for no
 *     log probabilities at all
 * @param tokensAsIds name tokens in log probabilities as {@code token_id:N} instead of text
 * @param n choices answered per prompt
 * @param bestOf candidates generated per prompt; the n with the highest cumulative log
 *     probability are answered
 */
record Completions(List<CompletionRequest> choices, List<String> echoes, int promptTokens,
        int logprobs, boolean tokensAsIds, int n, int bestOf) {

    Completions {
        choices = List.copyOf(choices);
        echoes = List.copyOf(echoes);
    }

    boolean stream() {
        return choices.get(0).stream();
    }

    boolean includeUsage() {
        return choices.get(0).includeUsage();
    }
}
