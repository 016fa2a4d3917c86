package io.exitstream.compression.reschedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.protos.Topics;
import io.exitstream.protos.v1.ScheduleDecision;
import io.exitstream.protos.v1.TokenEvent;
import io.exitstream.testkit.Broker;
import io.exitstream.testkit.KafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The re-scheduler on a real broker: exactly-once across a hard kill, and shared work. */
@KafkaBroker
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class RescheduleOnBrokerTest {

    @TempDir
    Path dir;

    @Test
    void aHardKilledInstanceRestartsWithTheAggregatesOfAnUninterruptedRun(Broker broker)
            throws Exception {
        String bootstrap = broker.bootstrapServers();
        String model = Apps.newModel();
        String app = "reschedule-restart-" + UUID.randomUUID();
        long window = Apps.currentWindowStart();
        List<TokenEvent> events = Telemetry.fullModelTraffic(window, 90);
        Apps.produce(bootstrap, model, events.subList(0, 30));

        ChildRescheduler child = ChildRescheduler.start(bootstrap, model, app, dir.resolve("a"),
                window);
        child.awaitTokens(30);
        Apps.produce(bootstrap, model, events.subList(30, 60));
        child.awaitTokens(60);
        child.kill();
        assertThat(Apps.committedTelemetry(bootstrap, app))
                .as("the kill left processed tokens uncommitted").isLessThan(60);
        Apps.produce(bootstrap, model, events.subList(60, 90));

        WindowStats uninterrupted = new WindowStats();
        events.forEach(uninterrupted::add);
        try (RescheduleApp restarted = Apps.start(bootstrap, model, app, dir.resolve("a"),
                new Properties())) {
            assertThat(Apps.awaitStats(restarted.streams(), model, window, 90))
                    .isEqualTo(uninterrupted);
        }
        try (RescheduleApp fresh = Apps.start(bootstrap, model, app + "-uninterrupted",
                dir.resolve("b"), new Properties())) {
            assertThat(Apps.awaitStats(fresh.streams(), model, window, 90))
                    .isEqualTo(uninterrupted);
        }
    }

    @Test
    void twoInstancesSplitThePartitionsAndTheSurvivorKeepsThePlanInForce(Broker broker)
            throws Exception {
        String bootstrap = broker.bootstrapServers();
        String model = Apps.newModel();
        String app = "reschedule-shared-" + UUID.randomUUID();
        RescheduleApp first = Apps.start(bootstrap, model, app, dir.resolve("1"),
                new Properties());
        try (RescheduleApp second = Apps.start(bootstrap, model, app, dir.resolve("2"),
                new Properties())) {
            awaitSplit(first.streams(), second.streams());

            // One window of one model: exactly one decision, whichever instance owns it.
            long window = Apps.currentWindowStart();
            List<TokenEvent> traffic = new ArrayList<>(Telemetry.fullModelTraffic(window, 40));
            traffic.add(closing(window));
            Apps.produce(bootstrap, model, traffic);
            List<ScheduleDecision> decisions = Apps.decisions(bootstrap, model, 1,
                    Duration.ofSeconds(3));
            assertThat(decisions).singleElement().satisfies(d -> {
                assertThat(d.getOutcome()).isEqualTo(ScheduleDecision.Outcome.ACCEPTED);
                assertThat(d.getCandidate().getSkippedLayersList()).containsExactly(2);
            });

            // The owner goes away; the other takes its task with the plan in force (v1, which
            // skips layer 2), so the same traffic again proposes nothing new.
            first.close();
            List<TokenEvent> next = new ArrayList<>(Telemetry.fullModelTraffic(
                    window + Apps.WINDOW.toMillis() + 2_000, 40));
            next.add(closing(window + Apps.WINDOW.toMillis()));
            Apps.produce(bootstrap, model, next);
            decisions = Apps.decisions(bootstrap, model, 2, Duration.ofSeconds(3));
            assertThat(decisions).hasSize(2);
            assertThat(decisions.get(1).getOutcome())
                    .isEqualTo(ScheduleDecision.Outcome.REJECTED);
            assertThat(decisions.get(1).getCandidate().getVersion()).isEqualTo(2);
            assertThat(decisions.get(1).getReasonsList()).singleElement().asString()
                    .contains("runs as the plan in force does, version 1");
        } finally {
            first.close();
        }
    }

    /** A token past the window's end and grace, which closes it. */
    private static TokenEvent closing(long windowStart) {
        return Telemetry.token(windowStart + Apps.WINDOW.toMillis() + Apps.GRACE.toMillis()
                + 500, 0, Telemetry.LAYERS, 6);
    }

    /**
     * Waits until each instance runs and has telemetry partitions of its own, together all
     * three (the first to start holds all of them until the second joins).
     */
    private static void awaitSplit(KafkaStreams a, KafkaStreams b) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        Set<Integer> ofA = Set.of();
        Set<Integer> ofB = Set.of();
        while (System.nanoTime() < deadline) {
            ofA = telemetryPartitions(a);
            ofB = telemetryPartitions(b);
            Set<Integer> all = new HashSet<>(ofA);
            all.addAll(ofB);
            if (!ofA.isEmpty() && !ofB.isEmpty() && all.size() == ofA.size() + ofB.size()
                    && all.equals(Set.of(0, 1, 2))) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the instances never split the telemetry partitions: " + ofA
                + " and " + ofB);
    }

    /** The telemetry partitions of a running instance's active tasks. */
    private static Set<Integer> telemetryPartitions(KafkaStreams streams) {
        Set<Integer> partitions = new HashSet<>();
        if (streams.state() == KafkaStreams.State.RUNNING) {
            for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
                for (TaskMetadata task : thread.activeTasks()) {
                    for (TopicPartition p : task.topicPartitions()) {
                        if (p.topic().equals(Topics.TELEMETRY)) {
                            partitions.add(p.partition());
                        }
                    }
                }
            }
        }
        return partitions;
    }
}
