package io.exitstream.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.exitstream.engine.model.ModelConfig;
import java.util.Arrays;

/**
 * What the rows of one forward pass are: which cache slot and position each row belongs to, and
 * how its attention reads the cache. Built once per step; every layer reuses it.
 *
 * <p>Two kinds: {@link Decode}, one row per sequence (sequences of different lengths together),
 * and {@link Prefill}, consecutive positions of one sequence (a prompt in one pass).
 */
public abstract sealed class Rows permits Rows.Decode, Rows.Prefill {

    final NDManager scope;
    final ModelConfig config;
    /** RoPE factors for these rows' positions, {@code [rows, qDim + kvDim]}. */
    final NDArray cos;
    final NDArray sin;

    private Rows(NDManager scope, ModelConfig config, NDArray cos, NDArray sin) {
        this.scope = scope;
        this.config = config;
        this.cos = cos;
        this.sin = sin;
    }

    /** Number of rows (hidden states) in the pass. */
    public abstract int count();

    /**
     * Stores this pass's keys and values for {@code layer} and attends over the cache.
     *
     * @param q queries, {@code [rows, dim]}, already rotated and scaled
     * @param k keys, {@code [rows, kvDim]}, already rotated
     * @param v values, {@code [rows, kvDim]}
     * @return attention output, {@code [rows, dim]}
     */
    abstract NDArray attend(KvCache cache, int layer, NDArray q, NDArray k, NDArray v);

    /** One new token for each of several sequences, each at its own position. */
    public static final class Decode extends Rows {
        private final int[] slots;
        private final int span;
        private final NDArray slotIndex;
        private final NDArray positionIndex;
        private final NDArray mask;
        private final String slotRange;

        Decode(NDManager scope, DeviceWeights weights, int[] slots, int[] positions) {
            super(scope, weights.config, gather(scope, weights.ropeCos, positions),
                    gather(scope, weights.ropeSin, positions));
            this.slots = slots.clone();
            this.span = Arrays.stream(positions).max().orElseThrow() + 1;
            this.slotIndex = scope.create(Arrays.stream(slots).asLongStream().toArray());
            this.positionIndex = scope.create(Arrays.stream(positions).asLongStream().toArray());
            float[] m = new float[slots.length * span];
            for (int r = 0; r < slots.length; r++) {
                Arrays.fill(m, r * span + positions[r] + 1, (r + 1) * span,
                        Float.NEGATIVE_INFINITY);
            }
            this.mask = scope.create(m, new Shape(slots.length, 1, 1, span));
            this.slotRange = contiguous(slots) ? slots[0] + ":" + (slots[0] + slots.length) : null;
        }

        @Override
        public int count() {
            return slots.length;
        }

        @Override
        NDArray attend(KvCache cache, int layer, NDArray q, NDArray k, NDArray v) {
            int rows = slots.length;
            int kvHeads = config.kvHeads();
            int hs = config.headSize();
            NDIndex write = new NDIndex("{}, :, {}", slotIndex, positionIndex);
            cache.keys(layer).set(write, k.reshape(rows, kvHeads, hs));
            cache.values(layer).set(write, v.reshape(rows, kvHeads, hs));
            NDArray keys = read(cache.keys(layer));
            NDArray values = read(cache.values(layer));
            NDArray scores = q.reshape(rows, kvHeads, config.groupSize(), hs)
                    .matMul(keys.transpose(0, 1, 3, 2))
                    .add(mask);
            return scores.softmax(-1).matMul(values).reshape(rows, config.dim());
        }

        /** The batch's slots up to the longest position: a view when the slots are adjacent. */
        private NDArray read(NDArray cache) {
            NDArray view = slotRange != null
                    ? cache.get(slotRange + ", :, :" + span)
                    : cache.get(new NDIndex("{}, :, :" + span, slotIndex));
            view.attach(scope);
            return view;
        }

        private static boolean contiguous(int[] slots) {
            for (int i = 1; i < slots.length; i++) {
                if (slots[i] != slots[0] + i) {
                    return false;
                }
            }
            return true;
        }

        private static NDArray gather(NDManager scope, NDArray table, int[] positions) {
            NDArray index = scope.create(Arrays.stream(positions).asLongStream().toArray());
            NDArray rows = table.get(new NDIndex("{}", index));
            rows.attach(scope);
            return rows;
        }
    }

    /** Consecutive positions {@code [start, start + count)} of the sequence in one slot. */
    public static final class Prefill extends Rows {
        private final int slot;
        private final int start;
        private final int tokens;
        private final NDArray mask;

        Prefill(NDManager scope, DeviceWeights weights, int slot, int start, int tokens) {
            super(scope, weights.config, slice(scope, weights.ropeCos, start, tokens),
                    slice(scope, weights.ropeSin, start, tokens));
            this.slot = slot;
            this.start = start;
            this.tokens = tokens;
            int span = start + tokens;
            int group = config.groupSize();
            // Rows are ordered (query head within group, position): row g*tokens + t.
            float[] m = new float[group * tokens * span];
            for (int g = 0; g < group; g++) {
                for (int t = 0; t < tokens; t++) {
                    int row = (g * tokens + t) * span;
                    Arrays.fill(m, row + start + t + 1, row + span, Float.NEGATIVE_INFINITY);
                }
            }
            this.mask = scope.create(m, new Shape(group * tokens, span));
        }

        @Override
        public int count() {
            return tokens;
        }

        @Override
        NDArray attend(KvCache cache, int layer, NDArray q, NDArray k, NDArray v) {
            int kvHeads = config.kvHeads();
            int hs = config.headSize();
            int group = config.groupSize();
            int span = start + tokens;
            String target = slot + ", :, " + start + ":" + span;
            cache.keys(layer).set(new NDIndex(target), k.reshape(tokens, kvHeads, hs)
                    .transpose(1, 0, 2));
            cache.values(layer).set(new NDIndex(target), v.reshape(tokens, kvHeads, hs)
                    .transpose(1, 0, 2));
            NDArray keys = cache.keys(layer).get(slot + ", :, :" + span);
            NDArray values = cache.values(layer).get(slot + ", :, :" + span);
            keys.attach(scope);
            values.attach(scope);
            NDArray queries = q.reshape(tokens, kvHeads, group, hs).transpose(1, 2, 0, 3)
                    .reshape(kvHeads, group * tokens, hs);
            NDArray scores = queries.matMul(keys.transpose(0, 2, 1)).add(mask);
            return scores.softmax(-1).matMul(values)
                    .reshape(kvHeads, group, tokens, hs)
                    .transpose(2, 0, 1, 3)
                    .reshape(tokens, config.dim());
        }

        private static NDArray slice(NDManager scope, NDArray table, int start, int tokens) {
            NDArray rows = table.get(start + ":" + (start + tokens));
            rows.attach(scope);
            return rows;
        }
    }
}
