/**
 * Offline compression of a model: which layers matter ({@link io.exitstream.compression.LayerAnalysis}),
 * exit heads trained by distillation ({@link io.exitstream.compression.ExitHeadTrainer}),
 * confidence thresholds certified on held-out text
 * ({@link io.exitstream.compression.ThresholdCalibration}), and how a plan compares with the
 * full model ({@link io.exitstream.compression.PlanEvaluator}).
 */
package io.exitstream.compression;
