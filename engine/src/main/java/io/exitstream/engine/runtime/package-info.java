/**
 * The model runtime on DJL PyTorch: layer-by-layer forward passes over batches of sequences
 * (run as a TorchScript program compiled at load, one call per pass), a preallocated KV cache,
 * and a generator that batches sequences of different lengths and runs execution plans (skip
 * schedules, confidence exits through exit heads, self-speculative decoding) with a report for
 * every token. {@link io.exitstream.engine.runtime.PlanScorer} scores text under a plan.
 */
package io.exitstream.engine.runtime;
