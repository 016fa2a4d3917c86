package io.exitstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import io.exitstream.protos.SchedulePlans;
import io.exitstream.protos.Topics;
import io.exitstream.protos.v1.TokenEvent;
import io.exitstream.testkit.Broker;
import io.exitstream.testkit.KafkaBroker;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The server's link to a real broker: telemetry per token, serving through a broker outage,
 * and schedules from the compacted topic, valid or not.
 */
@KafkaBroker
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaLinkTest {

    private static final String MODEL = TestServer.MODEL;
    private static final String GREEDY = "{\"prompt\": \"Once upon a time\", \"temperature\": 0,"
            + " \"max_tokens\": ";

    private static TestServer server;
    private static TelemetryReader telemetry;

    @BeforeAll
    static void start(Broker broker) {
        // A small producer buffer and short timeouts, so that an outage of a few seconds drops
        // events rather than buffering them all.
        KafkaOptions kafka = KafkaOptions.of(broker.bootstrapServers()).withClientProperties(
                Map.of("buffer.memory", "65536", "batch.size", "16384", "linger.ms", "5",
                        "request.timeout.ms", "1000", "delivery.timeout.ms", "2000"))
                .withInfluenceSample(0.25);
        server = TestServer.start(options -> options
                .withBatching(4, 64, Duration.ofSeconds(30)).withKafka(kafka));
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

    @Test
    @Order(1)
    void everyTokenArrivesAsOneEventWithItsFields() {
        Instant before = Instant.now().minusSeconds(1);
        JsonObject response = complete(12);
        String id = response.getString("id");
        List<Integer> exitLayers = response.getJsonArray("choices").getJsonObject(0)
                .getJsonObject("exitstream").getJsonArray("exit_layers").stream()
                .map(Integer.class::cast).toList();

        List<TokenEvent> events = telemetry.await(id, 12, Duration.ofSeconds(30));

        assertThat(events).hasSize(12);
        assertThat(telemetry.key(id)).isEqualTo(MODEL);
        for (int i = 0; i < events.size(); i++) {
            TokenEvent event = events.get(i);
            assertThat(event.getPosition()).isEqualTo(i);
            assertThat(event.getModelId()).isEqualTo(MODEL);
            assertThat(event.getPlanVersion()).isZero();
            assertThat(event.getExitLayer()).isEqualTo(exitLayers.get(i)).isEqualTo(7);
            assertThat(event.getLayersExecuted()).isEqualTo(8);
            assertThat(event.getBatchSize()).isBetween(1, 4);
            assertThat(event.getStepLatencyNanos()).isPositive();
            assertThat(event.getDrafted()).isZero();
            assertThat(event.getAccepted()).isZero();
            assertThat(Instant.ofEpochSecond(event.getTime().getSeconds(),
                    event.getTime().getNanos())).isBetween(before, Instant.now());
        }
        assertThat(events.get(0).getInterTokenLatencyNanos()).isZero();
        assertThat(events.subList(1, 12)).allMatch(e -> e.getInterTokenLatencyNanos() > 0);
        assertThat(events.stream().mapToInt(TokenEvent::getTokenId).distinct().count())
                .as("token ids").isGreaterThan(1);
        // One decoded token in four is sampled for influence; the prefill's first is not.
        List<TokenEvent> sampled = events.stream()
                .filter(e -> e.getBlockInfluenceCount() > 0).toList();
        assertThat(sampled).hasSizeBetween(2, 4);
        assertThat(events.get(0).getBlockInfluenceList()).isEmpty();
        for (TokenEvent event : sampled) {
            // 1 - cosine: every layer of the full model ran, so every value is a number.
            assertThat(event.getBlockInfluenceList()).hasSize(8)
                    .allMatch(v -> v >= 0 && v <= 2, "in [0, 2]");
        }
    }

    @Test
    @Order(2)
    void servingGoesOnWhileTheBrokerIsAwayAndTelemetryResumesAfter(Broker broker)
            throws Exception {
        AtomicBoolean traffic = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger served = new AtomicInteger();
        Thread client = new Thread(() -> {
            while (traffic.get()) {
                HttpResponse<String> reply = server.post("/v1/completions",
                        GREEDY + "24}");
                if (reply.statusCode() == 200) {
                    served.incrementAndGet();
                } else {
                    failures.add(reply.statusCode() + " " + reply.body());
                }
            }
        }, "traffic");
        client.start();
        try {
            broker.stop();
            int servedWhileDown = served.get();
            awaitAtLeast(() -> server.metric("exitstream_telemetry_dropped_total"), 1,
                    Duration.ofSeconds(20));
            awaitAtLeast(served::get, servedWhileDown + 3, Duration.ofSeconds(20));

            broker.restart();
            assertThat(aRequestsTelemetryArrives(Duration.ofSeconds(60))).hasSize(8);
        } finally {
            traffic.set(false);
            client.join();
        }
        assertThat(failures).isEmpty();
    }

    @Test
    @Order(3)
    void badScheduleRecordsAreCountedAndIgnoredAndAValidOneIsApplied(Broker broker)
            throws Exception {
        ExecutionPlan skipLayer2 = new ExecutionPlan(5, List.of(2), new ExitPolicy.None());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            send(producer, MODEL, new byte[] {(byte) 0xff, 0x01, 0x7f});
            send(producer, "another-model", SchedulePlans.toSchedule("another-model",
                    skipLayer2).toByteArray());
            send(producer, MODEL, SchedulePlans.toSchedule(MODEL, new ExecutionPlan(4,
                    List.of(9), new ExitPolicy.None())).toByteArray());
            send(producer, MODEL, SchedulePlans.toSchedule(MODEL, skipLayer2).toByteArray());
            send(producer, MODEL, SchedulePlans.toSchedule(MODEL, new ExecutionPlan(3,
                    List.of(1), new ExitPolicy.None())).toByteArray());
        }

        awaitAtLeast(() -> server.metric("exitstream_plan_version"), 5, Duration.ofSeconds(30));
        awaitAtLeast(() -> rejected("old_version"), 1, Duration.ofSeconds(30));
        assertThat(rejected("corrupt")).isEqualTo(1);
        assertThat(rejected("other_model")).isEqualTo(1);
        assertThat(rejected("invalid_plan")).isEqualTo(1);
        assertThat(rejected("old_version")).isEqualTo(1);

        String id = complete(6).getString("id");
        assertThat(telemetry.await(id, 6, Duration.ofSeconds(30)))
                .allSatisfy(event -> {
                    assertThat(event.getPlanVersion()).isEqualTo(5);
                    assertThat(event.getLayersExecuted()).isEqualTo(7);
                });
    }

    /**
     * The events of the first request whose telemetry arrives whole: those made while the
     * producer still reconnects or its buffer still holds expired events may be dropped.
     */
    private static List<TokenEvent> aRequestsTelemetryArrives(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String id = complete(8).getString("id");
            try {
                return telemetry.await(id, 8, Duration.ofSeconds(3));
            } catch (AssertionError e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    private static JsonObject complete(int tokens) {
        HttpResponse<String> reply = server.post("/v1/completions", GREEDY + tokens + "}");
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        return new JsonObject(reply.body());
    }

    private static double rejected(String reason) {
        String prefix = "exitstream_schedule_records_rejected_total{model=\"" + MODEL
                + "\",reason=\"" + reason + "\"} ";
        return server.get("/metrics").body().lines().filter(line -> line.startsWith(prefix))
                .mapToDouble(line -> Double.parseDouble(line.substring(prefix.length())))
                .findFirst().orElse(0);
    }

    private static void send(KafkaProducer<String, byte[]> producer, String key, byte[] value)
            throws Exception {
        producer.send(new ProducerRecord<>(Topics.SCHEDULES, key, value)).get();
    }

    private static void awaitAtLeast(DoubleSupplier value, double least, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (value.getAsDouble() < least) {
            assertThat(System.nanoTime()).as("waited " + timeout.toSeconds() + " s for "
                    + least).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
