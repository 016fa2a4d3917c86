package io.exitstream.compression.reschedule;

import io.exitstream.protos.ProtobufSerde;
import io.exitstream.protos.Topics;
import io.exitstream.protos.v1.ScheduleDecision;
import io.exitstream.protos.v1.TokenEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/** Re-scheduler instances on a real broker, and the clients the broker tests drive them with. */
final class Apps {

    static final Duration WINDOW = Duration.ofSeconds(60);
    static final Duration GRACE = Duration.ofSeconds(1);

    private Apps() {
    }

    /**
     * A re-scheduler of {@code model} for 5-layer synthetic telemetry whose gate passes every
     * plan: these tests are about state and partitions, not about the model. Each test uses a
     * model id of its own, so that the telemetry of earlier tests on the broker is not its.
     */
    static Rescheduler rescheduler(String model) {
        return new Rescheduler(model, new CandidatePlanner(Telemetry.LAYERS,
                PlannerLimits.defaults(Telemetry.LAYERS), DraftAcceptance.UNKNOWN),
                new QualityGate(GateBudget.defaults(), plan -> Qualities.of(0.99, 10.1, 10, 100)),
                Clock.systemUTC());
    }

    static RescheduleApp start(String bootstrap, String model, String applicationId,
            Path stateDir, Properties extra) {
        return RescheduleApp.start(RescheduleTopology.build(rescheduler(model), WINDOW, GRACE,
                new SimpleMeterRegistry()),
                RescheduleApp.config(bootstrap, applicationId, stateDir, extra));
    }

    /** A model id no other test uses. */
    static String newModel() {
        return "model-" + UUID.randomUUID();
    }

    /** The start of the current window: events from here on stay in one window for a while. */
    static long currentWindowStart() {
        long now = System.currentTimeMillis();
        return now - now % WINDOW.toMillis();
    }

    /** Sends the events as {@code model}'s, and waits until the broker has them. */
    static void produce(String bootstrap, String model, List<TokenEvent> events) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaProducer<String, TokenEvent> producer = new KafkaProducer<>(config,
                Serdes.String().serializer(), ProtobufSerde.tokenEvents().serializer())) {
            for (TokenEvent e : events) {
                producer.send(new ProducerRecord<>(Topics.TELEMETRY, model,
                        e.toBuilder().setModelId(model).build()));
            }
            producer.flush();
        }
    }

    /** The model's window statistics in the instance's store; null while it has none. */
    static WindowStats stats(KafkaStreams streams, String model, long windowStart) {
        try {
            ReadOnlyWindowStore<String, WindowStats> store = streams.store(
                    StoreQueryParameters.fromNameAndType(RescheduleTopology.STATS_STORE,
                            QueryableStoreTypes.windowStore()));
            return store.fetch(model, windowStart);
        } catch (InvalidStateStoreException e) {
            // Not running yet, or restoring: not queryable for now.
            return null;
        }
    }

    /**
     * Waits until the window holds at least {@code tokens} tokens, then a little longer, so that
     * a count that would overshoot (double counting) has time to.
     */
    static WindowStats awaitStats(KafkaStreams streams, String model, long windowStart,
            long tokens) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            WindowStats stats = stats(streams, model, windowStart);
            if (stats != null && stats.tokens() >= tokens) {
                Thread.sleep(1500);
                return stats(streams, model, windowStart);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the window never reached " + tokens + " tokens: "
                + stats(streams, model, windowStart));
    }

    /** Telemetry records the application has committed as consumed, over all partitions. */
    static long committedTelemetry(String bootstrap, String applicationId) throws Exception {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(config)) {
            return admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata()
                    .get().entrySet().stream()
                    .filter(e -> e.getKey().topic().equals(Topics.TELEMETRY))
                    .mapToLong(e -> e.getValue().offset()).sum();
        }
    }

    /**
     * The model's committed decisions, read until {@code count} arrived and then for
     * {@code quiet} more.
     */
    static List<ScheduleDecision> decisions(String bootstrap, String model, int count,
            Duration quiet) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "decisions-reader-" + System.nanoTime());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ScheduleDecision> decisions = new ArrayList<>();
        try (KafkaConsumer<String, ScheduleDecision> consumer = new KafkaConsumer<>(config,
                Serdes.String().deserializer(), ProtobufSerde.decisions().deserializer())) {
            consumer.subscribe(List.of(Topics.DECISIONS));
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<String, ScheduleDecision> r
                        : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key().equals(model)) {
                        decisions.add(r.value());
                    }
                }
                if (decisions.size() >= count && quietUntil == Long.MAX_VALUE) {
                    quietUntil = System.nanoTime() + quiet.toNanos();
                }
            }
        }
        return decisions;
    }
}
