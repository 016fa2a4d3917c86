package io.exitstream.engine.checkpoint;

import java.util.Locale;

/**
 * The parts of the safetensors format that its reader and writer share: file names of single
 * and sharded checkpoints, and the header's limits. A file is an 8-byte little-endian header
 * length N, N bytes of JSON ({@code name: {dtype, shape, data_offsets}} plus an optional
 * {@code __metadata__} map of strings), then the tensor data; offsets count from the data start.
 */
final class Safetensors {

    static final String SINGLE_FILE = "model.safetensors";
    static final String INDEX_FILE = "model.safetensors.index.json";
    static final String METADATA = "__metadata__";
    static final String DTYPE = "dtype";
    static final String SHAPE = "shape";
    static final String DATA_OFFSETS = "data_offsets";
    static final String WEIGHT_MAP = "weight_map";
    /** The reference implementation refuses larger headers: guards against garbage lengths. */
    static final long MAX_HEADER_BYTES = 100_000_000;
    /** The reference writer pads the header with spaces to keep the data 8-byte aligned. */
    static final int ALIGNMENT = 8;

    private Safetensors() {
    }

    /** Hugging Face's name for shard {@code index} (from 1) of {@code count}. */
    static String shardName(int index, int count) {
        return String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", index, count);
    }
}
