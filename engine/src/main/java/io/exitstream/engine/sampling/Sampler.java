package io.exitstream.engine.sampling;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses tokens for one sequence: greedy, or temperature with top-k and top-p filtering.
 * Holds the sequence's random state, so the same seed gives the same tokens whatever else runs
 * in the batch. Not thread-safe.
 */
public final class Sampler {

    private final SamplingParams params;
    private final SplittableRandom random;
    private float[] probabilities = new float[0];
    private int[] order = new int[0];

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
    }

    public SamplingParams params() {
        return params;
    }

    /** Picks a token from {@code logits[offset, offset + vocab)}. */
    public int sample(float[] logits, int offset, int vocab) {
        if (params.isGreedy()) {
            return argmax(logits, offset, vocab);
        }
        float[] p = softmax(logits, offset, vocab, params.temperature());
        int candidates = keepMostProbable(p, vocab);
        float total = 0;
        for (int i = 0; i < candidates; i++) {
            total += p[order[i]];
        }
        float coin = (float) random.nextDouble() * total;
        float cumulative = 0;
        for (int i = 0; i < candidates; i++) {
            cumulative += p[order[i]];
            if (coin < cumulative) {
                return order[i];
            }
        }
        return order[candidates - 1];
    }

    /**
     * The distribution {@link #sample} draws from, as a new array over the whole vocabulary:
     * temperature, then top-k and top-p, renormalised; filtered tokens have probability 0.
     * Greedy puts all the mass on the argmax. Speculative sampling compares two of these.
     */
    public float[] distribution(float[] logits, int offset, int vocab) {
        float[] result = new float[vocab];
        if (params.isGreedy()) {
            result[argmax(logits, offset, vocab)] = 1f;
            return result;
        }
        float[] p = softmax(logits, offset, vocab, params.temperature());
        int candidates = keepMostProbable(p, vocab);
        float total = 0;
        for (int i = 0; i < candidates; i++) {
            total += p[order[i]];
        }
        for (int i = 0; i < candidates; i++) {
            result[order[i]] = p[order[i]] / total;
        }
        return result;
    }

    /** Draws a token from {@code weights} (non-negative, not necessarily summing to 1). */
    public int sample(float[] weights) {
        float total = 0;
        int last = 0;
        for (int i = 0; i < weights.length; i++) {
            total += weights[i];
            if (weights[i] > 0) {
                last = i;
            }
        }
        float coin = (float) random.nextDouble() * total;
        float cumulative = 0;
        for (int i = 0; i < weights.length; i++) {
            cumulative += weights[i];
            if (weights[i] > 0 && coin < cumulative) {
                return i;
            }
        }
        // Rounding can leave the coin above the last partial sum.
        return last;
    }

    /** A uniform number in [0, 1) from the sequence's random state, for acceptance tests. */
    public double nextUniform() {
        return random.nextDouble();
    }

    /** The index of the largest logit (the first one on ties, as llama2.c). */
    public static int argmax(float[] logits, int offset, int vocab) {
        int best = 0;
        float max = logits[offset];
        for (int i = 1; i < vocab; i++) {
            if (logits[offset + i] > max) {
                max = logits[offset + i];
                best = i;
            }
        }
        return best;
    }

    /** The natural log of softmax(logits)[token] at temperature 1, over {@code vocab} logits. */
    public static double logProbability(float[] logits, int offset, int vocab, int token) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        return logits[offset + token] - max - Math.log(sum);
    }

    private float[] softmax(float[] logits, int offset, int vocab, float temperature) {
        if (probabilities.length != vocab) {
            probabilities = new float[vocab];
            order = new int[vocab];
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        float sum = 0;
        for (int i = 0; i < vocab; i++) {
            float e = (float) Math.exp((logits[offset + i] - max) / temperature);
            probabilities[i] = e;
            sum += e;
        }
        for (int i = 0; i < vocab; i++) {
            probabilities[i] /= sum;
        }
        return probabilities;
    }

    /**
     * Fills {@code order} with the candidate tokens, most probable first, and returns how many
     * survive top-k and top-p. Without filtering every token is a candidate, in id order.
     */
    private int keepMostProbable(float[] p, int vocab) {
        boolean filterK = params.topK() > 0 && params.topK() < vocab;
        boolean filterP = params.topP() < 1f;
        if (!filterK && !filterP) {
            for (int i = 0; i < vocab; i++) {
                order[i] = i;
            }
            return vocab;
        }
        // Tokens below (1 - p) / (vocab - 1) can never be in the nucleus (llama2.c's cut), so
        // only the rest is sorted: a few hundred values instead of the whole vocabulary.
        float cutoff = filterP ? (1f - params.topP()) / (vocab - 1) : 0f;
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            if (p[i] >= cutoff) {
                order[n++] = i;
            }
        }
        Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) {
            boxed[i] = order[i];
        }
        Arrays.sort(boxed, (a, b) -> Float.compare(p[b], p[a]));
        int keep = filterK ? Math.min(n, params.topK()) : n;
        if (filterP) {
            float cumulative = 0;
            for (int i = 0; i < keep; i++) {
                cumulative += p[boxed[i]];
                if (cumulative >= params.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        for (int i = 0; i < keep; i++) {
            order[i] = boxed[i];
        }
        return keep;
    }
}
