package io.exitstream.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** API keys and their limits: 401, 403, 429 with Retry-After; keys never logged or forwarded. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TenantTest {

    private static final String KEY_A = "sk-tenant-a-0b1c2d3e4f";
    private static final String KEY_B = "sk-tenant-b-9a8b7c6d5e";

    private final RouterFixture fixture = new RouterFixture();
    private final CapturedLog log = new CapturedLog();

    @AfterEach
    void close() throws Exception {
        fixture.close();
        log.close();
    }

    private RouterClient router(FakeReplica small, FakeReplica large, String limitsOfA) {
        String tenants = "\"tenants\":[{\"name\":\"team-a\",\"keySha256\":\""
                + RouterFixture.sha256(KEY_A) + "\",\"models\":[\"small\"],"
                + "\"classes\":[\"exact\"]" + limitsOfA + "},"
                + "{\"name\":\"team-b\",\"keySha256\":\"" + RouterFixture.sha256(KEY_B) + "\"}]";
        return fixture.router(tenants, RouterFixture.pool("small", small),
                RouterFixture.pool("large", large));
    }

    @Test
    void refusesMissingAndUnknownKeysAndModelsAndClassesTheKeyMayNotUse() {
        FakeReplica small = fixture.replica("s", "small");
        FakeReplica large = fixture.replica("l", "large");
        RouterClient router = router(small, large, "");

        HttpResponse<String> none = router.complete("small", false);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).contains("\"type\":\"authentication_error\"");
        assertThat(router.complete("small", false, "Authorization", "Bearer sk-wrong")
                .statusCode()).isEqualTo(401);

        HttpResponse<String> model = router.complete("large", false, "Authorization",
                "Bearer " + KEY_A);
        assertThat(model.statusCode()).isEqualTo(403);
        assertThat(model.body()).contains("model_not_allowed");
        HttpResponse<String> quality = router.complete("small:fast", false, "Authorization",
                "Bearer " + KEY_A);
        assertThat(quality.statusCode()).isEqualTo(403);
        assertThat(quality.body()).contains("class_not_allowed");

        assertThat(asA(router)
                .statusCode()).isEqualTo(200);
        assertThat(router.complete("large", true, "Authorization", "Bearer " + KEY_B)
                .statusCode()).isEqualTo(200);
        // Models the key may use, and only those.
        assertThat(router.get("/v1/models", "Authorization", "Bearer " + KEY_A).body())
                .contains("\"id\":\"small\"").doesNotContain("\"id\":\"large\"");

        assertThat(small.authorizations).as("keys forwarded upstream").isEmpty();
        assertThat(large.authorizations).as("keys forwarded upstream").isEmpty();
        assertThat(log.text()).contains("team-a").doesNotContain(KEY_A).doesNotContain(KEY_B);
    }

    @Test
    void limitsRequestsPerMinuteWithRetryAfter() {
        FakeReplica small = fixture.replica("s", "small");
        RouterClient router = router(small, fixture.replica("l", "large"),
                ",\"requestsPerMinute\":3");
        HttpResponse<String> limited = afterAnswered(3, router);
        assertThat(limited.statusCode()).isEqualTo(429);
        // One request comes back every 20 s at 3 per minute.
        assertThat(limited.headers().firstValue("Retry-After").map(Long::parseLong))
                .hasValueSatisfying(seconds -> assertThat(seconds).isBetween(1L, 20L));
        assertThat(limited.body()).contains("rate_limit_exceeded", "requests per minute");
        assertThat(small.requests.get()).isEqualTo(3);
        assertThat(router.get("/metrics").body())
                .contains("exitstream_router_rate_limited_total{limit=\"requests\"} 1.0");
        assertThat(log.text()).contains("tenant team-a is over its requests per minute")
                .doesNotContain(KEY_A);
    }

    @Test
    void limitsTokensPerMinuteByTheMaxTokensAsked() {
        FakeReplica small = fixture.replica("s", "small");
        RouterClient router = router(small, fixture.replica("l", "large"),
                ",\"tokensPerMinute\":20");
        // Each completion asks for 8 tokens: two fit in 20, the third does not.
        HttpResponse<String> limited = afterAnswered(2, router);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).isPresent();
        assertThat(limited.body()).contains("tokens per minute");
    }

    /** A completion of 8 tokens from {@code small} with team A's key. */
    private static HttpResponse<String> asA(RouterClient router) {
        return router.complete("small", false, "Authorization", "Bearer " + KEY_A);
    }

    /** The answer to team A's next request after {@code answered} that succeed. */
    private static HttpResponse<String> afterAnswered(int answered, RouterClient router) {
        for (int i = 0; i < answered; i++) {
            assertThat(asA(router).statusCode()).isEqualTo(200);
        }
        return asA(router);
    }
}
