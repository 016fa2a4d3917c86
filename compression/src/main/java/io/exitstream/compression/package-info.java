/**
 * Offline compression of a model: which layers matter ({@link LayerAnalysis}), exit heads
 * trained by distillation ({@link ExitHeadTrainer}), confidence thresholds certified on held-out
 * text ({@link ThresholdCalibration}), and how a plan compares with the full model
 * ({@link PlanEvaluator}).
 */
package io.exitstream.compression;
