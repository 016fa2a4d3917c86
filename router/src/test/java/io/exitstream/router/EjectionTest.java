package io.exitstream.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Health: a replica that dies under load costs no request, is ejected, and comes back. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EjectionTest {

    private static final int CLIENTS = 16;

    private final RouterFixture fixture = new RouterFixture();

    @AfterEach
    void close() throws Exception {
        fixture.close();
    }

    @Test
    void aReplicaKilledUnderSixteenClientsFailsNoRequestAndIsReadmittedWhenBack()
            throws Exception {
        FakeReplica victim = fixture.replica("victim", "m");
        FakeReplica survivor = fixture.replica("survivor", "m");
        victim.delayMs = 30;
        survivor.delayMs = 30;
        RouterClient router = fixture.router("", RouterFixture.pool("m", victim, survivor));

        AtomicInteger failed = new AtomicInteger();
        AtomicInteger succeeded = new AtomicInteger();
        long stopAt = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(CompletableFuture.runAsync(() -> {
                while (System.nanoTime() < stopAt) {
                    HttpResponse<String> answer = router.complete("m", false);
                    (answer.statusCode() == 200 ? succeeded : failed).incrementAndGet();
                }
            }, java.util.concurrent.Executors.newSingleThreadExecutor()));
        }
        Thread.sleep(500);
        victim.stop();
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new))
                .get(30, TimeUnit.SECONDS);

        assertThat(failed.get()).as("failed requests").isZero();
        assertThat(succeeded.get()).isGreaterThan(CLIENTS);
        assertThat(router.replicas()).containsPattern(victim.address()
                + "\",\"state\":\"(ejected|not_ready)\"");

        victim.restart();
        int before = victim.requests.get();
        assertThat(RouterClient.eventually(Duration.ofSeconds(10), () -> {
            router.complete("m", false);
            return victim.requests.get() > before;
        })).as("the restarted replica gets requests again").isTrue();
        assertThat(router.get("/metrics").body())
                .containsPattern("exitstream_router_ejections_total\\{pool=\"m\"} [1-9]");
    }

    @Test
    void aReplicaThatIsNotReadyGetsNothingNewUntilItIs() {
        FakeReplica draining = fixture.replica("draining", "m");
        FakeReplica other = fixture.replica("other", "m");
        RouterClient router = fixture.router("", RouterFixture.pool("m", draining, other));
        draining.ready = false;
        assertThat(RouterClient.eventually(Duration.ofSeconds(5),
                () -> router.replicas().contains("not_ready"))).isTrue();
        int before = draining.requests.get();
        for (int i = 0; i < 10; i++) {
            assertThat(router.complete("m", false).statusCode()).isEqualTo(200);
        }
        assertThat(draining.requests.get()).isEqualTo(before);

        draining.ready = true;
        assertThat(RouterClient.eventually(Duration.ofSeconds(5), () -> {
            router.complete("m", false);
            return draining.requests.get() > before;
        })).isTrue();
    }

    @Test
    void aRequestWaitsWithinItsDeadlineForAReplicaThatIsStillLoading() throws Exception {
        FakeReplica loading = fixture.replica("loading", "m");
        loading.ready = false;
        RouterClient router = fixture.router("", RouterFixture.pool("m", loading));
        assertThat(RouterClient.eventually(Duration.ofSeconds(5),
                () -> router.replicas().contains("not_ready"))).isTrue();
        CompletableFuture<HttpResponse<String>> waiting =
                CompletableFuture.supplyAsync(() -> router.complete("m", false));
        Thread.sleep(500);
        assertThat(waiting).isNotDone();
        loading.ready = true;
        assertThat(waiting.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
}
