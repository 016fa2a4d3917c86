/**
 * Offline compression of a model: which layers matter ({@link LayerAnalysis}), exit heads
 * trained by distillation ({@link ExitHeadTrainer}), confidence thresholds certified on held-out
 * text ({@link ThresholdCalibration}), and how a plan compares with the full model
 * ({@link PlanEvaluator}). Pruning and distillation live in the {@code prune} and
 * {@code distill} packages, on the training-side forward pass in {@code nn}.
 */
package io.exitstream.compression;
