/**
 * Exitstream's wire contracts: the protobuf messages of {@code exitstream.v1} (generated into
 * {@code io.exitstream.protos.v1} from {@code src/main/proto}), the topics they travel on
 * ({@link io.exitstream.protos.Topics}), their Kafka serde ({@link
 * io.exitstream.protos.ProtobufSerde}) and the conversion between a published {@code
 * SkipSchedule} and the engine's {@code ExecutionPlan} ({@link
 * io.exitstream.protos.SchedulePlans}).
 */
package io.exitstream.protos;
