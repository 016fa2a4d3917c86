package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.ShippedModel;
import io.exitstream.protos.ProtobufSerde;
import io.exitstream.protos.Topics;
import io.exitstream.protos.v1.ScheduleDecision;
import io.exitstream.protos.v1.SkipSchedule;
import io.exitstream.protos.v1.TokenEvent;
import io.exitstream.testkit.Broker;
import io.exitstream.testkit.KafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop, end to end: live traffic's telemetry is windowed, a plan is derived from it,
 * passes the gate, is published, applied by the server, and later telemetry carries it.
 */
@KafkaBroker
class LoopPublishesTest {

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aPlanDerivedFromTrafficPassesTheGateAndTheServerAppliesIt(Broker broker,
            @TempDir Path state) throws Exception {
        // Budgets the shipped model meets when it skips its least harmful middle layer (it was
        // trained with layer dropout). No drafting and one skip: one layer is the candidate.
        int layers = ShippedModel.weights().config().layers();
        try (LiveLoop loop = LiveLoop.start(broker.bootstrapServers(), state,
                "--window", "4s", "--grace", "0s", "--min-agreement", "0.6",
                "--max-perplexity-increase", "1.0", "--max-influence", "1.0",
                "--max-skip", "1", "--max-draft", "0", "--calibration-sequences", "2")) {
            assertThat(loop.metricPlanVersion()).isZero();

            List<ScheduleDecision> decisions = loop.read(Topics.DECISIONS,
                    ProtobufSerde.decisions().deserializer(),
                    d -> d.getOutcome() == ScheduleDecision.Outcome.ACCEPTED,
                    Duration.ofSeconds(40));
            ScheduleDecision accepted = decisions.get(decisions.size() - 1);
            assertThat(accepted.getOutcome()).as("%s", decisions)
                    .isEqualTo(ScheduleDecision.Outcome.ACCEPTED);
            SkipSchedule candidate = accepted.getCandidate();
            assertThat(candidate.getVersion()).isEqualTo(1);
            assertThat(candidate.getSkippedLayersList()).hasSize(1)
                    .allMatch(layer -> layer > 0 && layer < layers - 1, "a middle layer");
            assertThat(accepted.getAgreement()).isGreaterThanOrEqualTo(0.6);

            List<SkipSchedule> published = loop.read(Topics.SCHEDULES,
                    ProtobufSerde.schedules().deserializer(), s -> s.getVersion() == 1,
                    Duration.ofSeconds(10));
            assertThat(published).singleElement().satisfies(s -> assertThat(
                    s.getSkippedLayersList()).isEqualTo(candidate.getSkippedLayersList()));

            awaitPlanVersion(loop, 1);
            assertThat(loop.completionPlanVersion()).isEqualTo(1);
            int skipped = candidate.getSkippedLayers(0);
            List<TokenEvent> events = loop.read(Topics.TELEMETRY,
                    ProtobufSerde.tokenEvents().deserializer(),
                    e -> e.getPlanVersion() == 1 && e.getBlockInfluenceCount() > 0,
                    Duration.ofSeconds(20));
            TokenEvent later = events.get(events.size() - 1);
            assertThat(later.getPlanVersion()).isEqualTo(1);
            assertThat(later.getLayersExecuted()).isEqualTo(layers - 1);
            // The skipped layer did not run: NaN; the others' influence is 1 - cosine.
            for (int layer = 0; layer < layers; layer++) {
                float influence = later.getBlockInfluence(layer);
                if (layer == skipped) {
                    assertThat(influence).isNaN();
                } else {
                    assertThat(influence).isBetween(0f, 2f);
                }
            }
            assertThat(loop.failures()).isEmpty();
        }
    }

    private static void awaitPlanVersion(LiveLoop loop, long version)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (loop.metricPlanVersion() != version && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(loop.metricPlanVersion()).as("exitstream_plan_version").isEqualTo(version);
    }
}
