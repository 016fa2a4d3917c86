package io.exitstream.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Test classes that share one {@link TestServer} with default settings, started once. */
abstract class OnTestServer {

    static TestServer server;

    @BeforeAll
    static void startServer() {
        server = TestServer.start(options -> options);
    }

    @AfterAll
    static void stopServer() throws InterruptedException {
        server.close();
    }
}
