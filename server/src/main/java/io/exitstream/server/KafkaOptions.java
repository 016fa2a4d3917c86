package io.exitstream.server;

import io.exitstream.protos.Topics;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * How the server talks to Kafka: where the brokers are, client properties passed through
 * unchanged (security: {@code security.protocol}, {@code sasl.*}, {@code ssl.*}; or producer
 * and consumer tuning), the topic names, and which half of the link runs.
 *
 * @param bootstrapServers {@code host:port[,host:port...]}
 * @param clientProperties given to the telemetry producer and the schedule consumer; they
 *     override the server's own settings
 * @param telemetryTopic where token events go
 * @param schedulesTopic where skip schedules come from
 * @param telemetry whether to publish token events
 * @param schedules whether to apply published schedules
 * @param influenceSample with telemetry on, the fraction of decoded tokens whose events carry
 *     each layer's block influence (what the re-scheduler chooses layers to skip by), in [0, 1]
 */
public record KafkaOptions(String bootstrapServers, Map<String, String> clientProperties,
        String telemetryTopic, String schedulesTopic, boolean telemetry, boolean schedules,
        double influenceSample) {

    /** Influence measured on one token in 20: enough samples per window, little cost. */
    public static final double DEFAULT_INFLUENCE_SAMPLE = 0.05;

    public KafkaOptions {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("the Kafka bootstrap servers are missing");
        }
        if (!(influenceSample >= 0 && influenceSample <= 1)) {
            throw new IllegalArgumentException("the influence sample must be a fraction in"
                    + " [0, 1], got " + influenceSample);
        }
        clientProperties = Map.copyOf(clientProperties);
    }

    /** Both halves on, the standard topics, no extra client properties, default sampling. */
    public static KafkaOptions of(String bootstrapServers) {
        return new KafkaOptions(bootstrapServers, Map.of(), Topics.TELEMETRY, Topics.SCHEDULES,
                true, true, DEFAULT_INFLUENCE_SAMPLE);
    }

    /**
     * Reads client properties from a Java properties file (for SASL/TLS settings, say).
     *
     * @throws IllegalArgumentException with a one-line reason when the file cannot be read
     */
    public KafkaOptions withConfigFile(Path file) {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            properties.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read the Kafka config file " + file + ": "
                    + e.getMessage());
        }
        Map<String, String> merged = new TreeMap<>(clientProperties);
        properties.stringPropertyNames().forEach(k -> merged.put(k, properties.getProperty(k)));
        return withClientProperties(merged);
    }

    public KafkaOptions withClientProperties(Map<String, String> properties) {
        return new KafkaOptions(bootstrapServers, properties, telemetryTopic, schedulesTopic,
                telemetry, schedules, influenceSample);
    }

    public KafkaOptions withParts(boolean sendTelemetry, boolean applySchedules) {
        return new KafkaOptions(bootstrapServers, clientProperties, telemetryTopic,
                schedulesTopic, sendTelemetry, applySchedules, influenceSample);
    }

    public KafkaOptions withInfluenceSample(double fraction) {
        return new KafkaOptions(bootstrapServers, clientProperties, telemetryTopic,
                schedulesTopic, telemetry, schedules, fraction);
    }

    /** {@code defaults}, then the bootstrap servers, then the pass-through properties. */
    Properties clientConfig(Map<String, Object> defaults) {
        Properties config = new Properties();
        config.putAll(defaults);
        config.put("bootstrap.servers", bootstrapServers);
        config.putAll(clientProperties);
        return config;
    }
}
