package io.exitstream.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;

/**
 * What the rows of one forward pass are: which cache slot and position each row belongs to.
 * Built once per step in the step's scope; every layer of the step reuses it.
 *
 * <p>Two kinds: {@link #decode} gives one row per sequence (sequences of different lengths
 * together); {@link #prefill} gives consecutive positions of one sequence (a prompt in one pass).
 */
public final class Rows {

    /** Decode: each row's slot and position. Prefill: empty (the positions follow from span). */
    final NDArray slots;
    final NDArray positions;
    /** Decode: the first slot when the rows' slots are adjacent, else -1. Prefill: the slot. */
    final int slotStart;
    /** Positions attended over: the longest sequence's length including this step. */
    final int span;
    final boolean prefill;
    private final int count;

    private Rows(NDArray slots, NDArray positions, int slotStart, int span, boolean prefill,
            int count) {
        this.slots = slots;
        this.positions = positions;
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
    static Rows decode(NDManager scope, int[] slots, int[] positions) {
        return new Rows(scope.create(Arrays.stream(slots).asLongStream().toArray()),
                scope.create(Arrays.stream(positions).asLongStream().toArray()),
                adjacent(slots) ? slots[0] : -1,
                Arrays.stream(positions).max().orElseThrow() + 1, false, slots.length);
    }

    /** Positions {@code [start, start + tokens)} of the sequence in {@code slot}. */
    static Rows prefill(NDManager scope, int slot, int start, int tokens) {
        NDArray none = scope.create(new long[0]);
        return new Rows(none, none, slot, start + tokens, true, tokens);
    }

    private static boolean adjacent(int[] slots) {
        for (int i = 1; i < slots.length; i++) {
            if (slots[i] != slots[0] + i) {
                return false;
            }
        }
        return true;
    }
}
