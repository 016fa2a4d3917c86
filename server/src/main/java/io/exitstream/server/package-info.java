/**
 * The inference endpoint: OpenAI-compatible HTTP on Vert.x in front of a continuous-batching
 * scheduler that owns the model on its own thread, with Prometheus metrics; optionally linked
 * to Kafka, publishing per-token telemetry ({@link io.exitstream.server.KafkaTelemetry}) and
 * applying published skip schedules ({@link io.exitstream.server.ScheduleConsumer}).
 */
package io.exitstream.server;
