package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.exitstream.engine.ShippedModel;
import io.exitstream.protos.ProtobufSerde;
import io.exitstream.protos.Topics;
import io.exitstream.protos.v1.TokenEvent;
import io.exitstream.server.ExitstreamServer;
import io.exitstream.testkit.Broker;
import io.exitstream.testkit.KafkaBroker;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@KafkaBroker
class RescheduleCommandTest {

    @Test
    void budgetsOutOfRangeAreUsageErrors(Broker broker) {
        CliRun run = CliRun.of("reschedule", "--bootstrap", broker.bootstrapServers(),
                "--model", "m.bin", "--min-agreement", "1.5");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().lines()).singleElement().asString()
                .startsWith("reschedule: min agreement must be in [0, 1], got 1.5");
    }

    @Test
    void aWindowMustBeADuration(Broker broker) {
        CliRun run = CliRun.of("reschedule", "--bootstrap", broker.bootstrapServers(),
                "--model", "m.bin", "--window", "soon");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().lines()).singleElement().asString().contains("'soon' is not a"
                + " duration");
    }

    @Test
    void noBrokerIsOneLineAndExitCode1() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        CliRun run = CliRun.of("reschedule", "--bootstrap", "127.0.0.1:" + port, "--model",
                "m.bin");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().lines()).singleElement().asString()
                .isEqualTo("reschedule: no Kafka broker answers at 127.0.0.1:" + port);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void decidesOnAClosedWindowOfTelemetryAndCountsIt(Broker broker, @TempDir Path state)
            throws Exception {
        Path model = ShippedModel.dir();
        String name = ExitstreamServer.modelName(model);
        int metricsPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            metricsPort = socket.getLocalPort();
        }
        Thread command = new Thread(() -> Exitstream.run("reschedule", "--bootstrap",
                broker.bootstrapServers(), "--model", model.toString(), "--window", "10s",
                "--grace", "0s", "--seq-len", "48", "--calibration-sequences", "4",
                "--threads", "1", "--state-dir", state.toString(),
                "--metrics-port", Integer.toString(metricsPort)));
        command.start();
        try {
            sendWindowOfFullModelTokens(broker.bootstrapServers(), name);
            String rejected = "exitstream_schedule_decisions_total{model=\"" + name + "\","
                    + "outcome=\"rejected\"} 1.0";
            assertThat(awaitMetrics(metricsPort, rejected)).contains(rejected);
        } finally {
            command.interrupt();
            command.join(60_000);
        }
    }

    /**
     * 40 tokens of the shipped model's full 8 layers in the current 10 s window, where layers 1
     * and 2 have the least block influence, then one token 10 s later that closes the window.
     * Skipping two of its early layers costs far more agreement than the default budget allows.
     */
    private static void sendWindowOfFullModelTokens(String bootstrap, String model) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        long now = System.currentTimeMillis();
        long start = now - now % 10_000;
        try (KafkaProducer<String, TokenEvent> producer = new KafkaProducer<>(config,
                Serdes.String().serializer(), ProtobufSerde.tokenEvents().serializer())) {
            for (int i = 0; i <= 40; i++) {
                long millis = i < 40 ? start + 100L * i : start + 10_500;
                TokenEvent.Builder event = TokenEvent.newBuilder().setModelId(model)
                        .setExitLayer(7).setLayersExecuted(8).setConfidence(Float.NaN)
                        .setStepLatencyNanos(6_000_000).setBatchSize(1)
                        .setTime(Timestamp.newBuilder().setSeconds(millis / 1000)
                                .setNanos((int) (millis % 1000) * 1_000_000));
                for (float influence : new float[] {0.9f, 0.1f, 0.05f, 0.3f, 0.3f, 0.3f, 0.3f,
                    0.8f}) {
                    event.addBlockInfluence(influence);
                }
                producer.send(new ProducerRecord<>(Topics.TELEMETRY, model,
                        event.build()));
            }
            producer.flush();
        }
    }

    /** The metrics page once it shows {@code line}, or the last one seen. */
    private static String awaitMetrics(int port, String line) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        String page = "";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && !page.contains(line)) {
            try {
                page = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            } catch (IOException e) {
                // Not serving yet: the model is still loading.
            }
            Thread.sleep(250);
        }
        return page;
    }
}
