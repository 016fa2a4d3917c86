package io.exitstream.engine.sampling;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Chooses tokens for one sequence: greedy, or temperature with min-p, top-k and top-p
 * filtering, after penalties and biases (see {@link SamplingParams} for the order). Holds the
 * sequence's random state and the tokens it generated, so the same seed gives the same tokens
 * whatever else runs in the batch. Not thread-safe.
 */
public final class Sampler {

    private final SamplingParams params;
    private final SplittableRandom random;
    /** What the repetition penalty looks at besides the generated tokens. */
    private final int[] prompt;
    private int[] generated = new int[16];
    private int generatedCount;
    private float[] probabilities = new float[0];
    private int[] order = new int[0];
    /** Penalised and biased logits, reused from token to token. */
    private float[] adjusted = new float[0];
    /** Per token, how often it was generated; reused from token to token. */
    private int[] counts = new int[0];
    private boolean[] repeated = new boolean[0];

    /** A sampler for a sequence with no prompt tokens to penalise. */
    public Sampler(SamplingParams params) {
        this(params, new int[0]);
    }

    /** A sampler for a sequence that continues {@code prompt}. */
    public Sampler(SamplingParams params, int[] prompt) {
        this.params = params;
        this.random = new SplittableRandom(params.seed());
        this.prompt = params.repetitionPenalty() != 1f ? prompt.clone() : new int[0];
    }

    public SamplingParams params() {
        return params;
    }

    /** Records a token the sequence generated: the penalties count it from now on. */
    public void accepted(int token) {
        if (!params.adjustsLogits()) {
            return;
        }
        if (generatedCount == generated.length) {
            generated = Arrays.copyOf(generated, generatedCount * 2);
        }
        generated[generatedCount++] = token;
    }

    /** Picks a token from {@code logits[offset, offset + vocab)}. */
    public int sample(float[] logits, int offset, int vocab) {
        if (params.adjustsLogits()) {
            return choose(adjust(logits, offset, vocab), 0, vocab);
        }
        return choose(logits, offset, vocab);
    }

    /**
     * The distribution {@link #sample} draws from, as a new array over the whole vocabulary:
     * penalties and biases, temperature, then min-p, top-k and top-p, renormalised; filtered
     * tokens have probability 0. Greedy puts all the mass on the argmax. Speculative sampling
     * compares two of these.
     */
    public float[] distribution(float[] logits, int offset, int vocab) {
        if (params.adjustsLogits()) {
            logits = adjust(logits, offset, vocab);
            offset = 0;
        }
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

    /**
     * The log probabilities to report with {@code token}, chosen from these logits: the raw
     * model's at temperature 1, before penalties, biases and filtering (vLLM's default), with
     * the {@link SamplingParams#logprobs()} most probable tokens; null when none were asked for.
     */
    public TokenLogprobs logprobs(float[] logits, int offset, int vocab, int token) {
        if (!params.wantsLogprobs()) {
            return null;
        }
        float norm = (float) logSumExp(logits, offset, vocab);
        int k = Math.min(params.logprobs(), vocab);
        int[] top = new int[k];
        float[] topLogprobs = new float[k];
        // Insertion into a list of k best: k is small (at most 20), the vocabulary is not.
        int filled = 0;
        for (int i = 0; i < vocab; i++) {
            float value = logits[offset + i];
            if (filled == k && (k == 0 || value <= logits[offset + top[k - 1]])) {
                continue;
            }
            int at = Math.min(filled, k - 1);
            while (at > 0 && logits[offset + top[at - 1]] < value) {
                top[at] = top[at - 1];
                at--;
            }
            top[at] = i;
            filled = Math.min(filled + 1, k);
        }
        for (int i = 0; i < k; i++) {
            topLogprobs[i] = logits[offset + top[i]] - norm;
        }
        return new TokenLogprobs(token, logits[offset + token] - norm, top, topLogprobs);
    }

    private int choose(float[] logits, int offset, int vocab) {
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
     * A copy of the logits with the repetition penalty (prompt and generated tokens), the
     * frequency and presence penalties (generated tokens) and the logit bias applied, as vLLM
     * applies them. Valid until the next call.
     */
    private float[] adjust(float[] logits, int offset, int vocab) {
        if (adjusted.length != vocab) {
            adjusted = new float[vocab];
            counts = new int[vocab];
            repeated = new boolean[vocab];
        }
        System.arraycopy(logits, offset, adjusted, 0, vocab);
        Arrays.fill(counts, 0);
        for (int i = 0; i < generatedCount; i++) {
            counts[generated[i]]++;
        }
        float repetition = params.repetitionPenalty();
        if (repetition != 1f) {
            Arrays.fill(repeated, false);
            for (int token : prompt) {
                repeated[token] = true;
            }
            for (int i = 0; i < vocab; i++) {
                if (repeated[i] || counts[i] > 0) {
                    adjusted[i] = adjusted[i] > 0 ? adjusted[i] / repetition
                            : adjusted[i] * repetition;
                }
            }
        }
        for (int i = 0; i < vocab; i++) {
            if (counts[i] > 0) {
                adjusted[i] -= params.frequencyPenalty() * counts[i] + params.presencePenalty();
            }
        }
        for (Map.Entry<Integer, Float> bias : params.logitBias().entrySet()) {
            if (bias.getKey() < vocab) {
                adjusted[bias.getKey()] += bias.getValue();
            }
        }
        return adjusted;
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
        return logits[offset + token] - logSumExp(logits, offset, vocab);
    }

    /** {@code log(sum(exp(logits)))}, computed without overflow. */
    private static double logSumExp(float[] logits, int offset, int vocab) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        return max + Math.log(sum);
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
     * survive min-p, top-k and top-p (in that order, as vLLM). Without filtering every token is
     * a candidate, in id order.
     */
    private int keepMostProbable(float[] p, int vocab) {
        boolean filterK = params.topK() > 0 && params.topK() < vocab;
        boolean filterP = params.topP() < 1f;
        boolean filterMin = params.minP() > 0f;
        if (!filterK && !filterP && !filterMin) {
            for (int i = 0; i < vocab; i++) {
                order[i] = i;
            }
            return vocab;
        }
        // Tokens below (1 - p) / (vocab - 1) can never be in the nucleus (llama2.c's cut), so
        // only the rest is sorted: a few hundred values instead of the whole vocabulary. Min-p
        // renormalises what it keeps, which voids that cut; its own cut replaces it.
        float cutoff = filterP ? (1f - params.topP()) / (vocab - 1) : 0f;
        if (filterMin) {
            float max = 0;
            for (int i = 0; i < vocab; i++) {
                max = Math.max(max, p[i]);
            }
            cutoff = params.minP() * max;
        }
        int n = 0;
        float kept = 0;
        for (int i = 0; i < vocab; i++) {
            if (p[i] >= cutoff) {
                order[n++] = i;
                kept += p[i];
            }
        }
        Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) {
            boxed[i] = order[i];
        }
        Arrays.sort(boxed, (a, b) -> Float.compare(p[b], p[a]));
        int keep = filterK ? Math.min(n, params.topK()) : n;
        if (filterP) {
            // Top-p reads the distribution that min-p left, renormalised.
            float nucleus = params.topP() * (filterMin ? kept : 1f);
            float cumulative = 0;
            for (int i = 0; i < keep; i++) {
                cumulative += p[boxed[i]];
                if (cumulative >= nucleus) {
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
