/**
 * Healing a pruned model by knowledge distillation from the model it was pruned from, with
 * resumable checkpoints.
 */
package io.exitstream.compression.distill;
