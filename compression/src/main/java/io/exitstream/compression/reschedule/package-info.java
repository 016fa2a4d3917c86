/**
 * The re-scheduler: a Kafka Streams application that aggregates token telemetry per model in
 * windows ({@link io.exitstream.compression.reschedule.WindowStats}), derives a candidate skip
 * schedule from each closed window ({@link io.exitstream.compression.reschedule.CandidatePlanner}
 * with its {@link io.exitstream.compression.reschedule.CostModel}), judges it against the full
 * model ({@link io.exitstream.compression.reschedule.QualityGate}) and publishes the accepted
 * ones. {@link io.exitstream.compression.reschedule.RescheduleTopology} is the topology,
 * {@link io.exitstream.compression.reschedule.RescheduleApp} runs it; see
 * {@code docs/rescheduler.md}.
 */
package io.exitstream.compression.reschedule;
