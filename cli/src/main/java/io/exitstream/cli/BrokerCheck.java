package io.exitstream.cli;

import io.exitstream.server.KafkaOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;

/** For commands that talk to a Kafka cluster: its client settings, and whether it answers. */
final class BrokerCheck {

    private BrokerCheck() {
    }

    /** The client properties of {@code --kafka-config} (SASL, TLS), or none. */
    static Properties clientProperties(String bootstrap, Path kafkaConfig) {
        Properties properties = new Properties();
        if (kafkaConfig != null) {
            properties.putAll(KafkaOptions.of(bootstrap).withConfigFile(kafkaConfig)
                    .clientProperties());
        }
        return properties;
    }

    /**
     * Fails in seconds, with one line, when no broker answers (clients would keep retrying).
     *
     * @throws IllegalStateException saying so
     */
    static void require(String bootstrap, Properties kafka) {
        Properties config = new Properties();
        config.putAll(kafka);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        Admin admin;
        try {
            admin = Admin.create(config);
        } catch (KafkaException e) {
            throw new IllegalStateException("cannot reach Kafka at " + bootstrap + ": "
                    + e.getMessage());
        }
        try {
            admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("no Kafka broker answers at " + bootstrap);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while looking for Kafka at "
                    + bootstrap);
        } finally {
            // Without a broker, a plain close would wait out the pending request.
            admin.close(Duration.ofSeconds(1));
        }
    }
}
