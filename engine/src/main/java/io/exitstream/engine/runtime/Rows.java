package io.exitstream.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.exitstream.engine.model.ModelConfig;
import java.util.Arrays;

/**
 * What the rows of one forward pass are: which cache slot and position each row belongs to,
 * with the RoPE factors and attention mask that follow. Built once per step in the step's scope;
 * every layer reuses it.
 *
 * <p>Two kinds: {@link #decode} gives one row per sequence (sequences of different lengths
 * together); {@link #prefill} gives consecutive positions of one sequence (a prompt in one pass).
 */
public final class Rows {

    /** RoPE factors for these rows' positions, {@code [rows, dim + kvDim]}. */
    final NDArray cos;
    final NDArray sin;
    /** Decode: each row's slot and position (unused by prefill, which has one slot). */
    final NDArray slots;
    final NDArray positions;
    /** Added to attention scores: -inf where a row may not look. */
    final NDArray mask;
    /** Decode: the first slot when the rows' slots are adjacent, else -1. Prefill: the slot. */
    final int slotStart;
    /** Positions attended over: the longest sequence's length including this step. */
    final int span;
    final boolean prefill;
    private final int count;

    private Rows(NDArray cos, NDArray sin, NDArray slots, NDArray positions, NDArray mask,
            int slotStart, int span, boolean prefill, int count) {
        this.cos = cos;
        this.sin = sin;
        this.slots = slots;
        this.positions = positions;
        this.mask = mask;
        this.slotStart = slotStart;
        this.span = span;
        this.prefill = prefill;
        this.count = count;
    }

    /** Number of rows (hidden states) in the pass. */
    public int count() {
        return count;
    }

    public boolean isPrefill() {
        return prefill;
    }

    /** One new token for each of several sequences, each at its own position. */
    static Rows decode(NDManager scope, DeviceWeights weights, int[] slots, int[] positions) {
        int rows = slots.length;
        int span = Arrays.stream(positions).max().orElseThrow() + 1;
        NDArray positionIndex = scope.create(Arrays.stream(positions).asLongStream().toArray());
        float[] mask = new float[rows * span];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(mask, r * span + positions[r] + 1, (r + 1) * span,
                    Float.NEGATIVE_INFINITY);
        }
        return new Rows(gather(scope, weights.ropeCos, positionIndex),
                gather(scope, weights.ropeSin, positionIndex),
                scope.create(Arrays.stream(slots).asLongStream().toArray()), positionIndex,
                scope.create(mask, new Shape(rows, 1, 1, span)),
                adjacent(slots) ? slots[0] : -1, span, false, rows);
    }

    /** Positions {@code [start, start + tokens)} of the sequence in {@code slot}. */
    static Rows prefill(NDManager scope, DeviceWeights weights, int slot, int start, int tokens) {
        ModelConfig config = weights.config;
        int span = start + tokens;
        int group = config.groupSize();
        // Query rows are ordered (head within its KV group, position): row g * tokens + t.
        float[] mask = new float[group * tokens * span];
        for (int g = 0; g < group; g++) {
            for (int t = 0; t < tokens; t++) {
                int row = (g * tokens + t) * span;
                Arrays.fill(mask, row + start + t + 1, row + span, Float.NEGATIVE_INFINITY);
            }
        }
        NDArray none = scope.create(new long[0]);
        return new Rows(slice(scope, weights.ropeCos, start, tokens),
                slice(scope, weights.ropeSin, start, tokens), none, none,
                scope.create(mask, new Shape(group * tokens, span)), slot, span, true, tokens);
    }

    private static boolean adjacent(int[] slots) {
        for (int i = 1; i < slots.length; i++) {
            if (slots[i] != slots[0] + i) {
                return false;
            }
        }
        return true;
    }

    private static NDArray gather(NDManager scope, NDArray table, NDArray index) {
        NDArray rows = table.get(new NDIndex("{}", index));
        rows.attach(scope);
        return rows;
    }

    private static NDArray slice(NDManager scope, NDArray table, int start, int tokens) {
        NDArray rows = table.get(start + ":" + (start + tokens));
        rows.attach(scope);
        return rows;
    }
}
