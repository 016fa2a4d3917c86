package io.exitstream.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exitstream.protos.Topics;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@KafkaBroker
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaBrokerExtensionTest {

    @Test
    @Order(1)
    void theBrokerHasExitstreamsTopics(Broker broker) throws Exception {
        try (Admin admin = admin(broker)) {
            assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS))
                    .contains(Topics.TELEMETRY, Topics.SCHEDULES, Topics.DECISIONS);
        }
    }

    @Test
    @Order(2)
    void aStoppedBrokerIsUnreachable(Broker broker) {
        broker.stop();
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 1500,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 1000))) {
            assertThatThrownBy(() -> admin.listTopics().names().get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);
        }
    }

    @Test
    @Order(3)
    void theNextTestFindsItRunningAgainWithItsData(Broker broker) throws Exception {
        try (Admin admin = admin(broker)) {
            assertThat(admin.listTopics().names().get(20, TimeUnit.SECONDS))
                    .contains(Topics.SCHEDULES);
        }
    }

    private static Admin admin(Broker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()));
    }
}
