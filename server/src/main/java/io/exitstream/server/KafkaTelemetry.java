package io.exitstream.server;

import com.google.protobuf.Timestamp;
import io.exitstream.engine.runtime.TokenReport;
import io.exitstream.protos.ProtobufSerde;
import io.exitstream.protos.v1.TokenEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes one {@link TokenEvent} per generated token to the telemetry topic, keyed by model.
 *
 * <p>The scheduler thread only offers a {@link TokenSample} to a bounded queue, which never
 * blocks; a sender thread of its own turns samples into events and hands them to an
 * asynchronous, batched (linger), lz4-compressed, idempotent producer whose buffer is bounded
 * and which never blocks either ({@code max.block.ms=0}). So the decode loop never waits for
 * Kafka. When Kafka is away, samples that find the queue full, events that find the
 * producer's buffer full, and events not delivered within the delivery timeout are dropped and
 * counted ({@link #dropped()}); the producer reconnects by itself when the broker is back.
 */
public final class KafkaTelemetry implements TokenTelemetry, AutoCloseable {

    /** Samples that may wait for the sender thread. */
    public static final int QUEUE_CAPACITY = 1 << 16;
    private static final int DRAIN_BATCH = 1024;
    private static final long DRAIN_INTERVAL_NANOS = 2_000_000;
    private static final Duration METADATA_WAIT = Duration.ofSeconds(10);
    private static final System.Logger LOG = System.getLogger(KafkaTelemetry.class.getName());

    private final String model;
    private final String topic;
    private final KafkaProducer<String, TokenEvent> producer;
    private final ArrayBlockingQueue<TokenSample> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final LongAdder dropped = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    /** Kinds of failure already logged: each is logged once, then only counted. */
    private final Set<String> logged = ConcurrentHashMap.newKeySet();
    private final Thread sender;
    private volatile boolean open = true;

    /** Starts the producer and its sender thread. */
    public KafkaTelemetry(String model, KafkaOptions options) {
        this.model = model;
        this.topic = options.telemetryTopic();
        this.producer = new KafkaProducer<>(options.clientConfig(producerDefaults()),
                new StringSerializer(), ProtobufSerde.tokenEvents().serializer());
        this.sender = new Thread(this::run, "exitstream-telemetry");
        sender.setDaemon(true);
        sender.start();
    }

    /** What the server wants of a producer; pass-through properties may override it. */
    private static Map<String, Object> producerDefaults() {
        return Map.ofEntries(
                Map.entry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                Map.entry(ProducerConfig.ACKS_CONFIG, "all"),
                Map.entry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"),
                Map.entry(ProducerConfig.LINGER_MS_CONFIG, 20),
                Map.entry(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024),
                Map.entry(ProducerConfig.BUFFER_MEMORY_CONFIG, 16L * 1024 * 1024),
                // Never wait for buffer space or metadata: a full buffer is a drop.
                Map.entry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 0),
                Map.entry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000),
                Map.entry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000),
                // Forgetting an idle topic's metadata would drop the first token after a pause.
                Map.entry(ProducerConfig.METADATA_MAX_IDLE_CONFIG, 24 * 3600 * 1000),
                Map.entry(ProducerConfig.CLIENT_ID_CONFIG, "exitstream-telemetry"));
    }

    /** Never blocks: a full queue drops the sample. */
    @Override
    public void record(TokenSample sample) {
        if (!queue.offer(sample)) {
            drop("the telemetry queue is full (" + QUEUE_CAPACITY + " events)");
        }
    }

    /** Events dropped so far: queue full, producer buffer full, or not delivered in time. */
    public long dropped() {
        return dropped.sum();
    }

    /** Events the broker acknowledged so far. */
    public long delivered() {
        return delivered.sum();
    }

    /** Sends what is queued, waits up to {@code timeout} for it to be delivered, and stops. */
    public void close(Duration timeout) {
        open = false;
        try {
            sender.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(timeout);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    private void run() {
        awaitMetadata();
        List<TokenSample> batch = new ArrayList<>(DRAIN_BATCH);
        while (open || !queue.isEmpty()) {
            if (queue.drainTo(batch, DRAIN_BATCH) == 0) {
                // Polls on a clock rather than waking per token: a busy decode loop should
                // not pay a thread hand-off for every token it makes.
                LockSupport.parkNanos(DRAIN_INTERVAL_NANOS);
                continue;
            }
            batch.forEach(this::send);
            batch.clear();
        }
    }

    /**
     * Asks for the topic's partitions until the producer knows them, so that the first tokens
     * are not dropped for want of metadata ({@code max.block.ms=0} makes a send without it
     * fail). Samples queue meanwhile; a broker that stays away costs only this wait.
     */
    private void awaitMetadata() {
        long deadline = System.nanoTime() + METADATA_WAIT.toNanos();
        while (open && System.nanoTime() < deadline) {
            try {
                producer.partitionsFor(topic);
                return;
            } catch (KafkaException e) {
                if (!sleep(50)) {
                    return;
                }
            }
        }
    }

    private void send(TokenSample sample) {
        try {
            producer.send(new ProducerRecord<>(topic, model, event(sample)), (meta, error) -> {
                if (error == null) {
                    delivered.increment();
                } else {
                    drop(error.getClass().getSimpleName() + ": " + error.getMessage());
                }
            });
        } catch (KafkaException e) {
            drop(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private TokenEvent event(TokenSample sample) {
        TokenReport report = sample.report();
        long millis = sample.epochMillis();
        TokenEvent.Builder event = TokenEvent.newBuilder()
                .setRequestId(sample.requestId())
                .setModelId(model)
                .setPlanVersion(report.planVersion())
                .setPosition(sample.position())
                .setTokenId(report.token())
                .setExitLayer(report.exitLayer())
                .setLayersExecuted(report.layersExecuted())
                .setConfidence(report.confidence())
                .setStepLatencyNanos(sample.stepNanos())
                .setInterTokenLatencyNanos(sample.interTokenNanos())
                .setBatchSize(sample.batchSize())
                .setDrafted(report.drafted())
                .setAccepted(report.accepted())
                .setQualityClass(sample.quality() == null ? "" : sample.quality().apiName())
                .setTime(Timestamp.newBuilder().setSeconds(Math.floorDiv(millis, 1000))
                        .setNanos((int) Math.floorMod(millis, 1000) * 1_000_000));
        float[] influence = report.blockInfluence();
        if (influence != null) {
            // The engine's NaN for a layer that did not run is the wire's too.
            for (float value : influence) {
                event.addBlockInfluence(value);
            }
        }
        return event.build();
    }

    private void drop(String why) {
        dropped.increment();
        String kind = why.substring(0, Math.max(why.indexOf(':'), 0));
        if (logged.add(kind.isEmpty() ? why : kind)) {
            LOG.log(System.Logger.Level.WARNING, "telemetry: dropping token events (" + why
                    + "); serving goes on, drops are counted in"
                    + " exitstream_telemetry_dropped_total");
        }
    }

    /** False when interrupted. */
    private static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
