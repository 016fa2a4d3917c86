package io.exitstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fused training attention against attention written out, values and gradients. */
class CausalAttentionTest {

    private static final int BATCH = 2;
    private static final int HEADS = 4;
    private static final int KV_HEADS = 2;
    private static final int TOKENS = 7;
    private static final int HEAD_SIZE = 8;

    @Test
    void eachPositionAttendsToItselfAndEarlierOnesThroughItsKeyValueHead() {
        float[] q = random(HEADS, 1);
        float[] k = random(KV_HEADS, 2);
        float[] v = random(KV_HEADS, 3);
        try (NDManager manager = NDManager.newBaseManager();
                CausalAttention attention = CausalAttention.load(manager)) {
            float[] actual = attend(attention, manager, q, k, v, KV_HEADS);
            float[] expected = writtenOut(q, k, v);
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).as("output %d", i).isCloseTo(expected[i], within(1e-5f));
            }
        }
    }

    @Test
    void oneKeyValueHeadPerQueryHeadGivesWhatTheSharedHeadsGive() {
        float[] q = random(HEADS, 8);
        float[] k = random(KV_HEADS, 9);
        float[] v = random(KV_HEADS, 10);
        try (NDManager manager = NDManager.newBaseManager();
                CausalAttention attention = CausalAttention.load(manager)) {
            float[] grouped = attend(attention, manager, q, k, v, KV_HEADS);
            float[] perHead = attend(attention, manager, q, repeatedHeads(k), repeatedHeads(v),
                    HEADS);
            assertThat(perHead).containsExactly(grouped, within(1e-6f));
        }
    }

    @Test
    void gradientsReachQueriesKeysAndValuesAsThroughTheWrittenOutOps() {
        float[] q = random(HEADS, 4);
        float[] k = random(KV_HEADS, 5);
        float[] v = random(KV_HEADS, 6);
        float[] weights = random(HEADS, 7);
        try (NDManager manager = NDManager.newBaseManager();
                CausalAttention attention = CausalAttention.load(manager)) {
            float[][] fused = gradients(manager, q, k, v, weights,
                    (qs, ks, vs) -> attention.apply(qs, ks, vs));
            float[][] reference = gradients(manager, q, k, v, weights,
                    CausalAttentionTest::writtenOutWithDjl);
            for (int t = 0; t < 3; t++) {
                assertThat(fused[t]).as("gradient %d is not zero", t).isNotEqualTo(
                        new float[fused[t].length]);
                for (int i = 0; i < fused[t].length; i++) {
                    assertThat(fused[t][i]).as("gradient %d, element %d", t, i)
                            .isCloseTo(reference[t][i], within(1e-5f));
                }
            }
        }
    }

    private static float[] attend(CausalAttention attention, NDManager manager, float[] q,
            float[] k, float[] v, int kvHeads) {
        return attention.apply(tensor(manager, q, HEADS), tensor(manager, k, kvHeads),
                tensor(manager, v, kvHeads)).toFloatArray();
    }

    private interface Attention {
        NDArray apply(NDArray q, NDArray k, NDArray v);
    }

    /** Gradients of {@code sum(attention(q, k, v) * weights)} for q, k and v. */
    private static float[][] gradients(NDManager parent, float[] q, float[] k, float[] v,
            float[] weights, Attention attention) {
        try (NDManager manager = parent.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray[] inputs = {tensor(manager, q, HEADS), tensor(manager, k, KV_HEADS),
                tensor(manager, v, KV_HEADS)};
            for (NDArray input : inputs) {
                input.setRequiresGradient(true);
            }
            NDArray out = attention.apply(inputs[0], inputs[1], inputs[2]);
            collector.backward(out.mul(tensor(manager, weights, HEADS)).sum());
            float[][] grads = new float[3][];
            for (int i = 0; i < 3; i++) {
                grads[i] = inputs[i].getGradient().toFloatArray();
            }
            return grads;
        }
    }

    /** Scores, mask, softmax and weighted sum as separate DJL operations. */
    private static NDArray writtenOutWithDjl(NDArray q, NDArray k, NDArray v) {
        int group = HEADS / KV_HEADS;
        Shape shared = new Shape(BATCH, HEADS, TOKENS, HEAD_SIZE);
        NDArray keys = k.expandDims(2).broadcast(BATCH, KV_HEADS, group, TOKENS, HEAD_SIZE)
                .reshape(shared);
        NDArray values = v.expandDims(2).broadcast(BATCH, KV_HEADS, group, TOKENS, HEAD_SIZE)
                .reshape(shared);
        float[] mask = new float[TOKENS * TOKENS];
        for (int i = 0; i < TOKENS; i++) {
            for (int j = i + 1; j < TOKENS; j++) {
                mask[i * TOKENS + j] = Float.NEGATIVE_INFINITY;
            }
        }
        NDArray scores = q.matMul(keys.transpose(0, 1, 3, 2))
                .mul((float) (1 / Math.sqrt(HEAD_SIZE)))
                .add(q.getManager().create(mask, new Shape(TOKENS, TOKENS)));
        return scores.softmax(-1).matMul(values);
    }

    /** The same computation on the host, in double precision. */
    private static float[] writtenOut(float[] q, float[] k, float[] v) {
        float[] out = new float[q.length];
        int group = HEADS / KV_HEADS;
        for (int b = 0; b < BATCH; b++) {
            for (int h = 0; h < HEADS; h++) {
                int kvHead = h / group;
                for (int i = 0; i < TOKENS; i++) {
                    double[] weights = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int c = 0; c < HEAD_SIZE; c++) {
                            dot += q[at(b, h, i, c, HEADS)] * k[at(b, kvHead, j, c, KV_HEADS)];
                        }
                        weights[j] = dot / Math.sqrt(HEAD_SIZE);
                        max = Math.max(max, weights[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        weights[j] = Math.exp(weights[j] - max);
                        sum += weights[j];
                    }
                    for (int c = 0; c < HEAD_SIZE; c++) {
                        double acc = 0;
                        for (int j = 0; j <= i; j++) {
                            acc += weights[j] / sum * v[at(b, kvHead, j, c, KV_HEADS)];
                        }
                        out[at(b, h, i, c, HEADS)] = (float) acc;
                    }
                }
            }
        }
        return out;
    }

    /** Key/value heads {@code [b, kvHeads, t, hs]} copied out to one per query head. */
    private static float[] repeatedHeads(float[] x) {
        int group = HEADS / KV_HEADS;
        float[] out = new float[BATCH * HEADS * TOKENS * HEAD_SIZE];
        for (int b = 0; b < BATCH; b++) {
            for (int h = 0; h < HEADS; h++) {
                for (int t = 0; t < TOKENS; t++) {
                    for (int c = 0; c < HEAD_SIZE; c++) {
                        out[at(b, h, t, c, HEADS)] = x[at(b, h / group, t, c, KV_HEADS)];
                    }
                }
            }
        }
        return out;
    }

    private static int at(int b, int head, int token, int c, int heads) {
        return ((b * heads + head) * TOKENS + token) * HEAD_SIZE + c;
    }

    private static float[] random(int heads, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[BATCH * heads * TOKENS * HEAD_SIZE];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static NDArray tensor(NDManager manager, float[] values, int heads) {
        return manager.create(values, new Shape(BATCH, heads, TOKENS, HEAD_SIZE));
    }
}
