package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code bench router}: a short run prints the added latency per concurrency as JSON. */
class BenchRouterCommandTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void printsAddedLatencyPerConcurrency() {
        CliRun run = CliRun.of("bench", "router", "--concurrency", "1,4", "--requests", "8",
                "--tokens", "4", "--interval-ms", "1");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonArray levels = JsonParser.parseString(run.out()).getAsJsonObject()
                .getAsJsonArray("levels");
        assertThat(levels).hasSize(2);
        for (var element : levels) {
            JsonObject level = element.getAsJsonObject();
            for (String way : new String[] {"direct", "routed"}) {
                JsonObject measured = level.getAsJsonObject(way);
                assertThat(measured.get("errors").getAsInt()).as(way).isZero();
                assertThat(measured.get("completion_tokens").getAsInt()).isEqualTo(8 * 4);
            }
            assertThat(level.getAsJsonObject("added_ttft_ms").keySet())
                    .containsExactly("p50", "p99");
            assertThat(level.getAsJsonObject("added_itl_ms").keySet())
                    .containsExactly("p50", "p99");
            assertThat(level.get("router_added_latency_mean_ms").getAsDouble()).isPositive();
            assertThat(level.get("router_upstream_ttfb_mean_ms").getAsDouble()).isPositive();
        }
        assertThat(run.err()).contains("bench router (routed): concurrency 4, 8/8 requests");
    }

    @Test
    void refusesANonPositiveSetting() {
        CliRun run = CliRun.of("bench", "router", "--requests", "0");
        assertThat(run.exitCode()).isEqualTo(OneLineErrors.FAILED);
        assertThat(run.err().strip()).isEqualTo("router: --requests must be positive, got 0");
    }
}
