package io.exitstream.compression;

import io.exitstream.engine.sampling.Sampler;

/**
 * Teacher-forced scores of one sequence from logits at every position: the log-probability of
 * each actual next token and the argmax. Row t predicts token t + 1, so a sequence of n tokens
 * gives n - 1 scores.
 *
 * @param logProbs natural-log probability of the actual next token, per position
 * @param argmax the most probable next token, per position
 */
record TokenScores(double[] logProbs, int[] argmax) {

    static TokenScores of(float[] logits, int[] tokens, int vocab) {
        int n = tokens.length - 1;
        double[] logProbs = new double[n];
        int[] argmax = new int[n];
        for (int t = 0; t < n; t++) {
            logProbs[t] = Sampler.logProbability(logits, t * vocab, vocab, tokens[t + 1]);
            argmax[t] = Sampler.argmax(logits, t * vocab, vocab);
        }
        return new TokenScores(logProbs, argmax);
    }

    double sumLogProbs() {
        double sum = 0;
        for (double lp : logProbs) {
            sum += lp;
        }
        return sum;
    }
}
