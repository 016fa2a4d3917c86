package io.exitstream.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Test classes that share one {@link ShippedServer} with default settings, started once. */
abstract class OnShippedServer {

    static ShippedServer server;

    @BeforeAll
    static void startServer() {
        server = ShippedServer.start(options -> options);
    }

    @AfterAll
    static void stopServer() throws InterruptedException {
        server.close();
    }
}
