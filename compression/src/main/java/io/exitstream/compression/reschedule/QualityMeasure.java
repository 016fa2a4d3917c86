package io.exitstream.compression.reschedule;

import io.exitstream.compression.PlanEvaluator.Quality;
import io.exitstream.engine.plan.ExecutionPlan;

/** Measures a plan against the full model on held calibration prompts. */
@FunctionalInterface
public interface QualityMeasure {

    Quality measure(ExecutionPlan plan);
}
