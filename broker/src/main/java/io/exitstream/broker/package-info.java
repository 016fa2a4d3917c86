/**
 * A real Kafka broker inside the JVM ({@link io.exitstream.broker.EmbeddedKafka}, single-node
 * KRaft) for {@code exitstream up} and for tests on machines without Docker, and the creation of
 * Exitstream's topics with their settings ({@link io.exitstream.broker.TopicSetup}).
 */
package io.exitstream.broker;
