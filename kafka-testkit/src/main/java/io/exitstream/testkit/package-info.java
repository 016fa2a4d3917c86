/**
 * A real Kafka broker for tests: annotate a test class with {@link
 * io.exitstream.testkit.KafkaBroker} and take a {@link io.exitstream.testkit.Broker} as a
 * parameter. Testcontainers' Kafka container runs when Docker answers, the in-process broker
 * otherwise; the tests are the same either way.
 */
package io.exitstream.testkit;
