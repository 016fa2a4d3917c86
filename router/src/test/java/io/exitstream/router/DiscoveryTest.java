package io.exitstream.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A pool whose replicas are a DNS name (a headless service) follows the name's addresses. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DiscoveryTest {

    private static final String NAME = "replicas.exitstream.test";

    private final RouterFixture fixture = new RouterFixture();

    @AfterEach
    void close() throws Exception {
        fixture.close();
    }

    @Test
    void aPoolThatResolvesFollowsItsNamesAddresses() {
        FakeReplica first = fixture.replica("first", "m");
        FakeReplica second = fixture.replica("second", "m", "127.0.0.2", first.port());
        // What DNS answers for NAME, as pods come and go; null: it does not answer.
        AtomicReference<List<String>> dns = new AtomicReference<>(List.of("127.0.0.1"));
        String json = RouterFixture.config("", "{\"model\":\"m\",\"resolveEveryMs\":50,"
                + "\"replicas\":[\"" + NAME + ":" + first.port() + "\"]}");
        RouterClient router = fixture.start(() -> ConfigReader.parse("test", json), host -> {
            List<String> addresses = dns.get();
            if (!host.equals(NAME) || addresses == null) {
                throw new UnknownHostException(host);
            }
            return addresses;
        });
        for (int i = 0; i < 4; i++) {
            assertThat(router.complete("m", false).body()).contains("\"replica\":\"first\"");
        }

        dns.set(List.of("127.0.0.1", "127.0.0.2"));
        assertThat(RouterClient.eventually(Duration.ofSeconds(10), () -> {
            router.complete("m", false);
            return second.requests.get() > 0;
        })).as("a new address gets requests").isTrue();

        dns.set(List.of("127.0.0.2"));
        assertThat(RouterClient.eventually(Duration.ofSeconds(10),
                () -> !router.replicas().contains("127.0.0.1:"))).isTrue();
        dns.set(null);
        int before = first.requests.get();
        for (int i = 0; i < 4; i++) {
            assertThat(router.complete("m", false).body()).contains("\"replica\":\"second\"");
        }
        assertThat(first.requests.get()).as("a gone address gets nothing").isEqualTo(before);
        assertThat(router.replicas()).contains("m@127.0.0.2:" + first.port());
    }
}
