package io.exitstream.broker;

import io.exitstream.protos.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates Exitstream's topics with the settings the loop relies on: schedules compacted (the
 * latest record per model is the plan in force), telemetry and decisions deleted by age.
 */
public final class TopicSetup {

    /** Partitions per topic: room for a few re-scheduler instances to share the work. */
    public static final int PARTITIONS = 3;

    private TopicSetup() {
    }

    /** Telemetry is only read by the next windows: a day covers a re-scheduler's outage. */
    public static final Duration TELEMETRY_RETENTION = Duration.ofDays(1);
    /** Decisions are the loop's audit trail: kept for a month. */
    public static final Duration DECISIONS_RETENTION = Duration.ofDays(30);

    /**
     * The topics, replication factor 1 (one broker); those that exist are left alone. The
     * Kubernetes manifests ({@code k8s/base/kafka/topics.yaml}) declare the same settings.
     */
    public static List<NewTopic> topics() {
        return List.of(
                new NewTopic(Topics.TELEMETRY, PARTITIONS, (short) 1).configs(
                        deletedAfter(TELEMETRY_RETENTION)),
                new NewTopic(Topics.SCHEDULES, PARTITIONS, (short) 1).configs(
                        Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                                TopicConfig.CLEANUP_POLICY_COMPACT)),
                new NewTopic(Topics.DECISIONS, PARTITIONS, (short) 1).configs(
                        deletedAfter(DECISIONS_RETENTION)));
    }

    private static Map<String, String> deletedAfter(Duration retention) {
        return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()));
    }

    /**
     * Creates the topics on the cluster at {@code bootstrapServers} unless they exist.
     *
     * @throws IllegalStateException with a one-line reason when the cluster refuses
     */
    public static void create(String bootstrapServers) {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(config)) {
            for (var result : admin.createTopics(topics()).values().entrySet()) {
                try {
                    result.getValue().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("could not create topic "
                                + result.getKey() + ": " + e.getCause().getMessage(), e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }
}
