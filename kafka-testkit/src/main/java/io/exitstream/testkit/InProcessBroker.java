package io.exitstream.testkit;

import io.exitstream.broker.EmbeddedKafka;

/** The in-process KRaft broker, on a free port and a temporary data directory. */
final class InProcessBroker implements ClosableBroker {

    private final EmbeddedKafka kafka = EmbeddedKafka.start(0, null);

    @Override
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    @Override
    public void stop() {
        kafka.stop();
    }

    @Override
    public void restart() {
        kafka.restart();
    }

    @Override
    public String kind() {
        return "in-process";
    }

    @Override
    public void close() {
        kafka.close();
    }
}
