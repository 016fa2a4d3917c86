package io.exitstream.engine.runtime;

/**
 * How the model's matrices are held on the device. Activations, norms, attention and the KV
 * cache stay float32 either way.
 */
public enum WeightType {
    /** Exact: the reference outputs reproduce with these. */
    FLOAT32,
    /**
     * Half the bytes and AVX-512 BF16 / AMX matmuls: faster decoding, most of all in batches,
     * at bf16's precision (8 mantissa bits).
     */
    BFLOAT16
}
