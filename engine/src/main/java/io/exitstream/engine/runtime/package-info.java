/**
 * The model runtime on DJL PyTorch: layer-by-layer forward passes over batches of sequences
 * (run as a TorchScript program compiled at load, one call per pass), a preallocated KV cache,
 * and a generator that batches sequences of different lengths and runs execution plans (skip
 * schedules, self-speculative decoding) with a report for every token.
 */
package io.exitstream.engine.runtime;
