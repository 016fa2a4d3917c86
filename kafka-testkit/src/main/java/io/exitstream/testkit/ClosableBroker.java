package io.exitstream.testkit;

/** A broker the extension owns: JUnit closes it with the test class's store. */
interface ClosableBroker extends Broker, AutoCloseable {

    @Override
    void close();
}
