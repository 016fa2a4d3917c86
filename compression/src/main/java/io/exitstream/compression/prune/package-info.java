/**
 * Pruning: one calibration pass ({@link io.exitstream.compression.prune.Calibration}) gathers
 * the activation statistics every criterion needs; {@link io.exitstream.compression.prune.Pruner}
 * removes layers or FFN neurons (a smaller dense model) or zeroes weights (unstructured, 2:4).
 */
package io.exitstream.compression.prune;
