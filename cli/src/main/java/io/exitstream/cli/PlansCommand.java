package io.exitstream.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import io.exitstream.compression.reschedule.DecisionLine;
import io.exitstream.protos.SchedulePlans;
import io.exitstream.protos.Topics;
import io.exitstream.protos.v1.ScheduleDecision;
import io.exitstream.protos.v1.SkipSchedule;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Prints the loop's history from its topics: every decision on
 * {@code exitstream.schedule-decisions} and every plan on {@code exitstream.schedules} (a
 * compacted topic: older plans of a model may have been compacted away; the accepted and
 * rolled-back decisions still name them), oldest first, one line each.
 */
@Command(name = "plans", mixinStandardHelpOptions = true,
        description = "Print the re-scheduler's decisions and published plans, from the topics.")
final class PlansCommand implements Callable<Integer> {

    /** How long to wait for the topics' records once their end offsets are known. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers.")
    private String bootstrap;

    @Option(names = "--model", paramLabel = "NAME",
            description = "Only this model id (default: every model).")
    private String model;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties (security.protocol, sasl.*, ssl.*).")
    private Path kafkaConfig;

    /** One line of the history, at the time its record was written. */
    private record Line(long millis, String text) {
    }

    @Override
    public Integer call() {
        Properties kafka = BrokerCheck.clientProperties(bootstrap, kafkaConfig);
        BrokerCheck.require(bootstrap, kafka);
        List<Line> lines = new ArrayList<>();
        int unreadable = 0;
        for (ConsumerRecord<byte[], byte[]> r : readAll(kafka, Topics.DECISIONS)) {
            try {
                ScheduleDecision d = ScheduleDecision.parseFrom(
                        r.value() == null ? new byte[0] : r.value());
                if (model == null || model.equals(d.getModelId())) {
                    lines.add(new Line(r.timestamp(), "decision  " + DecisionLine.of(d)));
                }
            } catch (InvalidProtocolBufferException e) {
                unreadable++;
            }
        }
        for (ConsumerRecord<byte[], byte[]> r : readAll(kafka, Topics.SCHEDULES)) {
            if (r.value() == null) {
                continue; // a tombstone deletes a model's plan; it has nothing to show
            }
            try {
                SkipSchedule s = SkipSchedule.parseFrom(r.value());
                if (model == null || model.equals(s.getModelId())) {
                    lines.add(new Line(r.timestamp(), "published " + SchedulePlans.describe(
                            SchedulePlans.toPlan(s)) + " for model " + s.getModelId()));
                }
            } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
                unreadable++;
            }
        }
        lines.sort(Comparator.comparingLong(Line::millis));
        for (Line line : lines) {
            System.out.println(Instant.ofEpochMilli(line.millis()) + " " + line.text());
        }
        if (lines.isEmpty()) {
            System.err.println("plans: no decision or plan" + (model == null ? ""
                    : " for model " + model) + " on " + bootstrap);
        }
        if (unreadable > 0) {
            System.err.println("plans: " + unreadable + " records could not be read (not"
                    + " exitstream.v1 messages) and are left out");
        }
        return 0;
    }

    /** Every committed record of {@code topic}, from its start to its current end. */
    private List<ConsumerRecord<byte[], byte[]>> readAll(Properties kafka, String topic) {
        Properties config = new Properties();
        config.putAll(kafka);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config,
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end"
                            + " within " + READ_TIMEOUT.toSeconds() + " s");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
        }
        return read;
    }
}
