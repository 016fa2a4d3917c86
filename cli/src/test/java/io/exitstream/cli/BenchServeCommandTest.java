package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.exitstream.engine.ShippedModel;
import org.junit.jupiter.api.Test;

class BenchServeCommandTest {

    @Test
    void servesStreamingClientsPerConcurrencyAndComparesWithTheEngine() {
        CliRun run = CliRun.of("bench", "serve", "--model",
                ShippedModel.dir().toString(), "--concurrency", "1,3",
                "--requests", "4", "--tokens", "8", "--threads", "1", "--engine-runs", "1");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonObject report = JsonParser.parseString(run.out()).getAsJsonObject();
        assertThat(report.get("tokens_per_request").getAsInt()).isEqualTo(8);
        JsonArray levels = report.getAsJsonArray("levels");
        assertThat(levels).hasSize(2);
        JsonObject three = levels.get(1).getAsJsonObject();
        assertThat(three.get("concurrency").getAsInt()).isEqualTo(3);
        assertThat(three.get("errors").getAsInt()).isZero();
        assertThat(three.get("completion_tokens").getAsInt()).isEqualTo(4 * 8);
        assertThat(three.get("tokens_per_s").getAsDouble()).isPositive();
        assertThat(three.getAsJsonObject("ttft_ms").get("samples").getAsInt()).isEqualTo(4);
        assertThat(three.getAsJsonObject("itl_ms").get("p99").getAsDouble())
                .isGreaterThanOrEqualTo(three.getAsJsonObject("itl_ms").get("p50")
                        .getAsDouble());
        assertThat(three.get("engine_decode_tokens_per_s").getAsDouble()).isPositive();
        assertThat(run.err()).contains("bench serve: concurrency 3, 4/4 requests");
    }

    @Test
    void aServerThatIsNotThereIsOneLineAndExitCode1() {
        CliRun run = CliRun.of("bench", "serve", "--model",
                ShippedModel.dir().toString(), "--url", "http://127.0.0.1:1");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().lines()).singleElement().asString()
                .startsWith("serve: ").contains("did not answer");
    }
}
