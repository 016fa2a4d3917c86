package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import io.exitstream.protos.ProtobufSerde;
import io.exitstream.protos.SchedulePlans;
import io.exitstream.protos.Topics;
import io.exitstream.protos.v1.ScheduleDecision;
import io.exitstream.protos.v1.SkipSchedule;
import io.exitstream.testkit.Broker;
import io.exitstream.testkit.KafkaBroker;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** {@code exitstream plans}: the loop's history from its topics. */
@KafkaBroker
class PlansCommandTest {

    @Test
    void printsTheDecisionsAndPlansOfOneModelOldestFirst(Broker broker) throws Exception {
        SkipSchedule plan = SchedulePlans.toSchedule("m", new ExecutionPlan(1, List.of(2),
                new ExitPolicy.None()));
        try (KafkaProducer<String, ScheduleDecision> decisions = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new StringSerializer(), ProtobufSerde.decisions().serializer());
                KafkaProducer<String, SkipSchedule> schedules = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                        new StringSerializer(), ProtobufSerde.schedules().serializer())) {
            decisions.send(new ProducerRecord<>(Topics.DECISIONS, null, 1_000L, "m",
                    ScheduleDecision.newBuilder().setModelId("m")
                            .setOutcome(ScheduleDecision.Outcome.ACCEPTED).setCandidate(plan)
                            .setCurrentTokensPerSecond(100).setCandidateTokensPerSecond(120)
                            .setGainError(0.02).addReasons("the margins").build())).get();
            schedules.send(new ProducerRecord<>(Topics.SCHEDULES, null, 2_000L, "m", plan))
                    .get();
            decisions.send(new ProducerRecord<>(Topics.DECISIONS, null, 3_000L, "other",
                    ScheduleDecision.newBuilder().setModelId("other")
                            .setOutcome(ScheduleDecision.Outcome.REJECTED).build())).get();
        }

        CliRun run = CliRun.of("plans", "--bootstrap", broker.bootstrapServers(), "--model",
                "m");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().lines()).containsExactly(
                "1970-01-01T00:00:01Z decision  accepted plan 1 (skips [2], no early exit) for"
                        + " model m: predicted gain +20.0% +- 2.0% (120.0 vs 100.0 tokens/s),"
                        + " quality not measured; the margins",
                "1970-01-01T00:00:02Z published plan 1 (skips [2], no early exit) for model m");
    }

    @Test
    void noBrokerIsOneLineAndExitCode1() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        CliRun run = CliRun.of("plans", "--bootstrap", "127.0.0.1:" + port);

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().lines()).singleElement().asString()
                .isEqualTo("plans: no Kafka broker answers at 127.0.0.1:" + port);
    }
}
