package io.exitstream.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.protos.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaTest {

    @Test
    void recordsSurviveARestartOnTheSamePortAndTopicsHaveTheirSettings() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(0, null)) {
            TopicSetup.create(kafka.bootstrapServers());
            TopicSetup.create(kafka.bootstrapServers()); // a second time is harmless
            send(kafka, "before");
            int port = kafka.port();

            kafka.stop();
            assertThat(kafka.isRunning()).isFalse();
            kafka.restart();

            assertThat(kafka.port()).isEqualTo(port);
            send(kafka, "after");
            assertThat(readAll(kafka)).containsExactly("before", "after");
            assertThat(cleanupPolicy(kafka, Topics.SCHEDULES))
                    .isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
            assertThat(cleanupPolicy(kafka, Topics.TELEMETRY))
                    .isEqualTo(TopicConfig.CLEANUP_POLICY_DELETE);
        }
    }

    private static void send(EmbeddedKafka kafka, String value) throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config,
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(Topics.DECISIONS, "m", value)).get();
        }
    }

    private static List<String> readAll(EmbeddedKafka kafka) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "test");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config,
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(Topics.DECISIONS));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (values.size() < 2 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }

    private static String cleanupPolicy(EmbeddedKafka kafka, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers()))) {
            return admin.describeConfigs(List.of(resource)).all().get().get(resource)
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
        }
    }
}
