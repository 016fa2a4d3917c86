package io.exitstream.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.protos.SchedulePlans;
import io.exitstream.protos.v1.SkipSchedule;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows the compacted schedules topic and swaps each valid schedule for this server's model
 * into the {@link BatchScheduler}, between decode steps.
 *
 * <p>It reads every partition from the beginning without a consumer group, so a server that
 * starts finds the latest schedule of its model, and only committed records (the re-scheduler
 * writes in transactions). A record is applied only if it parses, names this model, converts
 * to a plan whose layers fit the model, and has a version above the one in force. Anything
 * else is counted by reason in {@code exitstream_schedule_records_rejected_total}, logged once
 * per reason, and ignored: a bad record never stops the server or this consumer.
 */
public final class ScheduleConsumer implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration RETRY = Duration.ofSeconds(1);
    private static final System.Logger LOG = System.getLogger(ScheduleConsumer.class.getName());

    private final String model;
    private final ModelConfig config;
    private final String topic;
    private final BatchScheduler scheduler;
    private final ServerMetrics metrics;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Set<String> logged = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean open = true;
    /** The newest version applied or being applied; schedules must go above it. */
    private long version;

    /**
     * Starts following the topic.
     *
     * @param initialVersion the version of the plan the server started with
     */
    public ScheduleConsumer(String model, ModelConfig config, long initialVersion,
            KafkaOptions options, BatchScheduler scheduler, ServerMetrics metrics) {
        this.model = model;
        this.config = config;
        this.topic = options.schedulesTopic();
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.version = initialVersion;
        this.consumer = new KafkaConsumer<>(options.clientConfig(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                // A missing topic is waited for, never created with the wrong settings.
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.CLIENT_ID_CONFIG, "exitstream-schedules")),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "exitstream-schedules");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws InterruptedException {
        open = false;
        consumer.wakeup();
        thread.join(10_000);
    }

    private void run() {
        try {
            if (assignAll()) {
                while (open) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                        accept(record.value());
                    }
                }
            }
        } catch (WakeupException | InterruptedException e) {
            // close() woke us up: done.
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** Assigns every partition of the topic, waiting for the broker and the topic to exist. */
    private boolean assignAll() throws InterruptedException {
        while (open) {
            try {
                List<PartitionInfo> partitions = consumer.partitionsFor(topic, RETRY);
                if (!partitions.isEmpty()) {
                    List<TopicPartition> assigned = partitions.stream()
                            .map(p -> new TopicPartition(topic, p.partition())).toList();
                    consumer.assign(assigned);
                    consumer.seekToBeginning(assigned);
                    return true;
                }
                logOnce("no_topic", "topic " + topic + " does not exist yet; waiting for it");
                Thread.sleep(RETRY.toMillis());
            } catch (WakeupException e) {
                throw e;
            } catch (KafkaException e) {
                logOnce("unreachable", "cannot reach Kafka (" + e.getMessage() + "); retrying");
            }
        }
        return false;
    }

    /** Applies one record's schedule if it is valid for this server; otherwise counts why. */
    private void accept(byte[] value) {
        SkipSchedule schedule;
        try {
            schedule = SkipSchedule.parseFrom(value == null ? new byte[0] : value);
        } catch (InvalidProtocolBufferException e) {
            count("corrupt", "a record is not a SkipSchedule (" + e.getMessage() + ")");
            return;
        }
        if (!schedule.getModelId().equals(model)) {
            count("other_model", "a schedule for model '" + schedule.getModelId()
                    + "' is not for this server's '" + model + "'");
            return;
        }
        ExecutionPlan plan;
        try {
            plan = SchedulePlans.toPlan(schedule);
            plan.validate(config);
        } catch (IllegalArgumentException e) {
            count("invalid_plan", "schedule version " + schedule.getVersion()
                    + " does not fit the model: " + e.getMessage());
            return;
        }
        if (plan.version() <= version) {
            count("old_version", "schedule version " + plan.version()
                    + " is not above the version in force, " + version);
            return;
        }
        // Versions only move forward, even past one the engine then refuses.
        version = plan.version();
        scheduler.swapPlan(plan).whenComplete((done, error) -> {
            if (error == null) {
                LOG.log(System.Logger.Level.INFO, "schedules: model " + model + " now runs "
                        + SchedulePlans.describe(plan));
            } else {
                count("refused", "the engine refused schedule version " + plan.version()
                        + ": " + error.getMessage());
            }
        });
    }

    /** A rejected record: counted, and its reason logged the first time. */
    private void count(String reason, String message) {
        metrics.scheduleRecordRejected(reason);
        logOnce(reason, message);
    }

    private void logOnce(String reason, String message) {
        if (logged.add(reason)) {
            LOG.log(System.Logger.Level.WARNING, "schedules: " + message
                    + " (ignored; later ones of this kind are only counted)");
        }
    }
}
