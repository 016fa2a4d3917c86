package io.exitstream.compression.reschedule;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/**
 * The re-scheduler running on a Kafka cluster: the {@link RescheduleTopology} in a
 * {@link KafkaStreams} instance with exactly-once v2. Several instances with the same
 * application id share the telemetry topic's partitions; one that dies hands its tasks, window
 * state included (restored from the changelogs), to the others or to its own restart.
 */
public final class RescheduleApp implements AutoCloseable {

    /**
     * The gate runs inside the task's transaction (see {@link DecisionProcessor}): allow it a
     * minute, well above a calibration run, instead of Streams' 10 s default.
     */
    static final Duration TRANSACTION_TIMEOUT = Duration.ofMinutes(1);

    private final KafkaStreams streams;

    private RescheduleApp(KafkaStreams streams) {
        this.streams = streams;
    }

    /**
     * Streams settings for one instance.
     *
     * @param applicationId instances with the same id share the work and the state
     * @param stateDir where this instance keeps its local state stores
     * @param extra further client settings (security: SASL, TLS), applied last
     */
    public static Properties config(String bootstrapServers, String applicationId,
            Path stateDir, Properties extra) {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // One thread: it owns the model the gate runs, which is not thread-safe.
        config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        config.put(StreamsConfig.producerPrefix("transaction.timeout.ms"),
                (int) TRANSACTION_TIMEOUT.toMillis());
        config.putAll(extra);
        return config;
    }

    /** Starts the topology; returns at once, the instance joins its group in the background. */
    public static RescheduleApp start(Topology topology, Properties config) {
        KafkaStreams streams = new KafkaStreams(topology, config);
        streams.start();
        return new RescheduleApp(streams);
    }

    /** The running instance, for state queries and its state. */
    public KafkaStreams streams() {
        return streams;
    }

    /** Stops cleanly: commits, and leaves the group so its partitions move at once. */
    @Override
    public void close() {
        streams.close(CloseOptions.groupMembershipOperation(
                CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
    }
}
