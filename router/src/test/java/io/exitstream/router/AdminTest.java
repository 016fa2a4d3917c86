package io.exitstream.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The admin API: its own key, replica states, drain and undrain, configuration reload. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminTest {

    private static final String[] ADMIN = {"Authorization", "Bearer " + RouterFixture.ADMIN_KEY};

    private final RouterFixture fixture = new RouterFixture();

    @AfterEach
    void close() throws Exception {
        fixture.close();
    }

    @Test
    void needsItsOwnKey() {
        RouterClient router = fixture.router("", RouterFixture.pool("m",
                fixture.replica("a", "m")));
        assertThat(router.get("/admin/replicas").statusCode()).isEqualTo(401);
        assertThat(router.get("/admin/replicas", "Authorization", "Bearer wrong").statusCode())
                .isEqualTo(401);
        assertThat(router.get("/admin/replicas", ADMIN).statusCode()).isEqualTo(200);
    }

    @Test
    void isOffWithoutAnAdminKey() {
        RouterClient router = fixture.router("\"adminKeySha256\":null",
                RouterFixture.pool("m", fixture.replica("a", "m")));
        HttpResponse<String> answer = router.get("/admin/replicas", ADMIN);
        assertThat(answer.statusCode()).isEqualTo(404);
        assertThat(answer.body()).contains("admin_off");
    }

    @Test
    void aDrainedReplicaGetsNothingNewUntilUndrained() {
        FakeReplica a = fixture.replica("a", "m");
        FakeReplica b = fixture.replica("b", "m");
        RouterClient router = fixture.router("", RouterFixture.pool("m", a, b));
        String id = "m@" + a.address();
        HttpResponse<String> drained = router.post("/admin/replicas/" + id + "/drain", "",
                ADMIN);
        assertThat(drained.statusCode()).isEqualTo(200);
        assertThat(drained.body()).contains("\"state\":\"drained\"");
        for (int i = 0; i < 8; i++) {
            assertThat(router.complete("m", false).body()).contains("\"replica\":\"b\"");
        }
        assertThat(a.requests.get()).isZero();

        router.post("/admin/replicas/" + id + "/undrain", "", ADMIN);
        assertThat(router.replicas()).doesNotContain("drained");
        assertThat(RouterClient.eventually(java.time.Duration.ofSeconds(5), () -> {
            router.complete("m", false);
            return a.requests.get() > 0;
        })).isTrue();
        assertThat(router.post("/admin/replicas/m@nowhere:1/drain", "", ADMIN).statusCode())
                .isEqualTo(404);
    }

    @Test
    void reloadsTheConfigurationOrSaysWhyNot(@TempDir Path dir) throws Exception {
        FakeReplica a = fixture.replica("a", "m");
        FakeReplica b = fixture.replica("b", "other");
        Path file = dir.resolve("router.json");
        Files.writeString(file, RouterFixture.config("", RouterFixture.pool("m", a)));
        RouterClient router = fixture.start(() -> ConfigReader.read(file));
        assertThat(router.complete("other", false).statusCode()).isEqualTo(404);

        Files.writeString(file, RouterFixture.config("", RouterFixture.pool("m", a),
                RouterFixture.pool("other", b)));
        HttpResponse<String> reloaded = router.post("/admin/reload", "", ADMIN);
        assertThat(reloaded.statusCode()).isEqualTo(200);
        assertThat(reloaded.body()).contains("\"pools\":2");
        assertThat(router.complete("other", false).statusCode()).isEqualTo(200);

        Files.writeString(file, "{\"pools\":[{\"model\":\"m\"}], \"typo\":1}");
        HttpResponse<String> refused = router.post("/admin/reload", "", ADMIN);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("typo: unknown field",
                "pools[0].replicas: list at least one replica");
        // The configuration in force stays.
        assertThat(router.complete("other", false).statusCode()).isEqualTo(200);
    }

    @Test
    void exportsEveryRouterMetricWithHelp() {
        FakeReplica a = fixture.replica("a", "m");
        RouterClient router = fixture.router("", RouterFixture.pool("m", a));
        router.complete("m", false);
        router.complete("m", true);
        router.complete("unknown", false);
        String metrics = router.get("/metrics").body();
        assertThat(metrics).contains(
                "# HELP exitstream_router_requests_total",
                "exitstream_router_requests_total{route=\"completions\",status=\"200\"} 2.0",
                "exitstream_router_requests_total{route=\"completions\",status=\"404\"} 1.0",
                "# HELP exitstream_router_added_latency_seconds ",
                "# HELP exitstream_router_upstream_ttfb_seconds ",
                "# HELP exitstream_router_outstanding_requests ",
                "exitstream_router_outstanding_requests{pool=\"m\",replica=\"" + a.address()
                        + "\"} 0.0");
    }
}
