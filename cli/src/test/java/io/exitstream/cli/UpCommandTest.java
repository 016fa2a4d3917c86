package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import io.exitstream.protos.ProtobufSerde;
import io.exitstream.protos.SchedulePlans;
import io.exitstream.protos.Topics;
import io.exitstream.protos.v1.ScheduleDecision;
import io.exitstream.protos.v1.SkipSchedule;
import io.exitstream.protos.v1.TokenEvent;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `exitstream up` as a user runs it: its own process, stopped with SIGTERM. */
class UpCommandTest {

    @Test
    void upServesTheShippedModelTelemetryReachesTheBrokerAndTheReschedulerDecides(@TempDir Path tmp)
            throws Exception {
        // up's own temporary files (broker logs, re-scheduler state, RocksDB's library) go here,
        // so that what it leaves behind can be seen.
        Path javaTmp = Files.createDirectory(tmp.resolve("java-tmp"));
        String modelId = DefaultModel.NAME;
        UpProcess up = UpProcess.start(tmp, javaTmp);
        try {
            HttpResponse<String> reply = up.complete(5);
            assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);

            List<TokenEvent> events = TopicReader.read(up.bootstrap(), Topics.TELEMETRY,
                    ProtobufSerde.tokenEvents().deserializer(), read -> read.size() == 5,
                    Duration.ofSeconds(30));
            assertThat(events).hasSize(5).allSatisfy(event ->
                    assertThat(event.getModelId()).isEqualTo(modelId));
            assertThat(reply.body()).contains(events.get(0).getRequestId());

            // Traffic past the first 2 s window closes it: up's re-scheduler decides on it.
            List<ScheduleDecision> decisions = List.of();
            long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            while (decisions.isEmpty() && System.nanoTime() < deadline) {
                assertThat(up.complete(5).statusCode()).isEqualTo(200);
                decisions = TopicReader.read(up.bootstrap(), Topics.DECISIONS,
                        ProtobufSerde.decisions().deserializer(), read -> true,
                        Duration.ofSeconds(1));
            }
            assertThat(decisions).as("a decision on %s", Topics.DECISIONS).isNotEmpty()
                    .allSatisfy(d -> assertThat(d.getModelId()).isEqualTo(modelId));
            // Each decision is one log line, and counted on the server's own /metrics.
            assertThat(Files.readString(tmp.resolve("up.log"))).as("up's log").containsPattern(
                    "INFO reschedule: (accepted|rejected) .* for model " + modelId);
            String metrics = up.get(up.port, "/metrics").body();
            assertThat(metrics).contains("# HELP exitstream_schedule_decisions_total")
                    .containsPattern("exitstream_schedule_decisions_total\\{model=\""
                            + modelId + "\",outcome=\"(accepted|rejected)\",?} [1-9]");

            // A schedule the server applies is one log line too.
            try (KafkaProducer<String, SkipSchedule> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, up.bootstrap()),
                    new StringSerializer(),
                    ProtobufSerde.schedules().serializer())) {
                producer.send(new ProducerRecord<>(Topics.SCHEDULES, modelId,
                        SchedulePlans.toSchedule(modelId, new ExecutionPlan(1000, List.of(2),
                                new ExitPolicy.None())))).get(30, TimeUnit.SECONDS);
            }
            awaitLog(tmp.resolve("up.log"), "INFO schedules: model " + modelId
                    + " now runs plan 1000 (skips [2], no early exit)");
            assertThat(javaTmp).as("up's temporary files while it runs")
                    .isDirectoryContaining(p -> p.getFileName().toString()
                            .startsWith("exitstream-up-streams"));
        } finally {
            assertThat(up.stop()).as("up stops on SIGTERM").isTrue();
        }
        assertThat(javaTmp).as("what up left in its temporary directory").isEmptyDirectory();
    }

    private static void awaitLog(Path log, String line) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.readString(log).contains(line)) {
            assertThat(System.nanoTime()).as("'%s' in %s", line, log).isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
