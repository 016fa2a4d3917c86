package io.exitstream.testkit;

/**
 * A running Kafka broker a test can use, take away and bring back. Exitstream's topics exist
 * on it (see {@code TopicSetup}).
 */
public interface Broker {

    /** {@code host:port} for clients' {@code bootstrap.servers}; the same after a restart. */
    String bootstrapServers();

    /** Makes the broker unreachable to clients while keeping its data. */
    void stop();

    /** Brings a stopped broker back with its data; does nothing if it runs. */
    void restart();

    /** Which kind of broker this is, for messages: "in-process" or "container". */
    String kind();
}
