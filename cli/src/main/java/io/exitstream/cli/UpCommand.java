package io.exitstream.cli;

import io.exitstream.broker.EmbeddedKafka;
import io.exitstream.broker.TopicSetup;
import io.exitstream.server.KafkaOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The whole stack in one process, for a laptop: an in-process Kafka broker with Exitstream's
 * topics, and the server sending telemetry to it and applying the schedules published on it.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Run the stack in one process: an in-process Kafka broker and the server"
                + " with telemetry and schedule updates.")
final class UpCommand implements Callable<Integer> {

    @Mixin
    private ServingOptions serving;

    @Option(names = "--kafka-port", defaultValue = "9092",
            description = "Port of the in-process Kafka broker on 127.0.0.1"
                    + " (default: ${DEFAULT-VALUE}).")
    private int kafkaPort;

    @Override
    public Integer call() throws Exception {
        if (kafkaPort < 0 || kafkaPort > 65535) {
            throw new IllegalArgumentException("--kafka-port must be in 0..65535, got "
                    + kafkaPort);
        }
        EmbeddedKafka kafka = EmbeddedKafka.start(kafkaPort, null);
        try {
            TopicSetup.create(kafka.bootstrapServers());
            System.err.printf("up: Kafka on %s (topics created)%n", kafka.bootstrapServers());
            serving.serveUntilStopped("up", KafkaOptions.of(kafka.bootstrapServers()), kafka);
        } catch (Exception e) {
            kafka.close();
            throw e;
        }
        return 0;
    }
}
