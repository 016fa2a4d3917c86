package io.exitstream.compression.reschedule;

import io.exitstream.engine.plan.ExecutionPlan;

/** Measures a plan against the full model on held calibration prompts. */
@FunctionalInterface
public interface QualityMeasure {

    PlanQuality measure(ExecutionPlan plan);
}
