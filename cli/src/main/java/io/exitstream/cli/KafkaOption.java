package io.exitstream.cli;

import io.exitstream.server.KafkaOptions;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the server sends telemetry and reads schedules: a Kafka cluster, or none. */
final class KafkaOption {

    @Option(names = "--kafka", paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers: send per-token telemetry and apply published"
                    + " skip schedules (default: no Kafka).")
    private String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties (security.protocol, sasl.*, ssl.*, producer"
                    + " tuning), passed through unchanged.")
    private Path configFile;

    /** The Kafka settings, or null without --kafka. */
    KafkaOptions options() {
        if (bootstrapServers == null) {
            if (configFile != null) {
                throw new IllegalArgumentException("--kafka-config needs --kafka");
            }
            return null;
        }
        KafkaOptions options = KafkaOptions.of(bootstrapServers);
        return configFile == null ? options : options.withConfigFile(configFile);
    }
}
