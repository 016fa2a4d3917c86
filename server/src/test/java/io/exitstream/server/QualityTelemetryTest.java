package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.protos.v1.TokenEvent;
import io.exitstream.testkit.Broker;
import io.exitstream.testkit.KafkaBroker;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every token's telemetry says which quality class its request chose, on a real broker. */
@KafkaBroker
class QualityTelemetryTest {

    private static TestServer server;
    private static TelemetryReader telemetry;

    @BeforeAll
    static void start(Broker broker) {
        server = TestServer.start(options -> options
                .withKafka(KafkaOptions.of(broker.bootstrapServers())));
        telemetry = new TelemetryReader(broker.bootstrapServers());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (telemetry != null) {
            telemetry.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static List<TokenEvent> events(String extension) {
        JsonObject response = server.complete("{\"prompt\": \"Once upon a time\","
                + " \"max_tokens\": 4, \"ignore_eos\": true" + extension + "}");
        return telemetry.await(response.getString("id"), 4, Duration.ofSeconds(30));
    }

    @Test
    void eventsCarryTheRequestsClassOrNoneForTheServersPlan() {
        assertThat(events(", \"exitstream\": {\"quality\": \"fast\"}"))
                .hasSize(4).allMatch(e -> e.getQualityClass().equals("fast"));
        assertThat(events(", \"model\": \"" + TestServer.MODEL + ":exact\""))
                .hasSize(4).allMatch(e -> e.getQualityClass().equals("exact"));
        assertThat(events("")).hasSize(4).allMatch(e -> e.getQualityClass().isEmpty());
    }
}
