package io.exitstream.compression.reschedule;

import io.exitstream.compression.PlanEvaluator.Quality;

/** Measured qualities for tests whose subject is not the model. */
final class Qualities {

    private Qualities() {
    }

    static Quality of(double agreement, double perplexity, double fullPerplexity, int tokens) {
        int disagreements = (int) Math.round((1 - agreement) * tokens);
        return new Quality(tokens, perplexity, fullPerplexity,
                perplexity / fullPerplexity - 1, agreement, disagreements, 5);
    }
}
