package io.exitstream.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.IValue;
import io.exitstream.engine.model.ModelConfig;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Keys and values for a fixed number of sequence slots, allocated once.
 *
 * <p>Per layer one tensor {@code [slots, positions, kv_heads, head_size]} (that layer's KV
 * heads) for keys and one for values. A sequence owns a slot from {@link #acquire()} to
 * {@link #release(int)}; decoding writes in place and never allocates. A layer a plan skips is simply never written.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final int slots;
    private final int positions;
    /** Lowest first, so that a batch tends to hold adjacent slots (read as one view). */
    private final TreeSet<Integer> free = new TreeSet<>();
    private final NDArray[] keys;
    private final NDArray[] values;
    private final IValue keyList;
    private final IValue valueList;

    /**
     * @param slots how many sequences can be cached at once (the maximum batch)
     * @param positions positions per sequence; at most the model's context length
     */
    public KvCache(ModelConfig config, int slots, int positions, NDManager parent) {
        if (slots <= 0) {
            throw new IllegalArgumentException("slots must be positive, got " + slots);
        }
        if (positions <= 0 || positions > config.contextLength()) {
            throw new IllegalArgumentException("positions must be in 1.." + config.contextLength()
                    + ", got " + positions);
        }
        this.slots = slots;
        this.positions = positions;
        this.manager = parent.newSubManager();
        keys = new NDArray[config.layers()];
        values = new NDArray[config.layers()];
        for (int l = 0; l < config.layers(); l++) {
            Shape shape = new Shape(slots, positions, config.layer(l).kvHeads(),
                    config.headSize());
            keys[l] = manager.zeros(shape);
            values[l] = manager.zeros(shape);
        }
        for (int s = 0; s < slots; s++) {
            free.add(s);
        }
        keyList = IValue.listFrom(ptArrays(keys));
        valueList = IValue.listFrom(ptArrays(values));
    }

    private static PtNDArray[] ptArrays(NDArray[] arrays) {
        return Arrays.stream(arrays).map(PtNDArray.class::cast).toArray(PtNDArray[]::new);
    }

    /** Takes the lowest free slot; throws when all are in use. */
    public int acquire() {
        Integer slot = free.pollFirst();
        if (slot == null) {
            throw new IllegalStateException("all " + slots + " KV cache slots are in use");
        }
        return slot;
    }

    /** Returns a slot; its stale contents are overwritten by the next owner's prefill. */
    public void release(int slot) {
        if (slot < 0 || slot >= slots || free.contains(slot)) {
            throw new IllegalArgumentException("slot " + slot + " is not in use");
        }
        free.add(slot);
    }

    /**
     * Copies everything cached for slot {@code from} into slot {@code to}, which must be in use
     * by the caller (it is overwritten), so a sequence can change slots mid-generation.
     */
    public void copySlot(int from, int to) {
        for (NDArray[] tensors : List.of(keys, values)) {
            for (NDArray tensor : tensors) {
                try (NDArray source = tensor.get(String.valueOf(from))) {
                    tensor.set(new NDIndex(String.valueOf(to)), source);
                }
            }
        }
    }

    public int slots() {
        return slots;
    }

    public int freeSlots() {
        return free.size();
    }

    /** Positions per sequence. */
    public int positions() {
        return positions;
    }

    /** The per-layer key tensors as one argument for the decoder script, made once. */
    IValue keyList() {
        return keyList;
    }

    IValue valueList() {
        return valueList;
    }

    @Override
    public void close() {
        keyList.close();
        valueList.close();
        manager.close();
    }
}
