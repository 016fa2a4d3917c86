package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.protos.ProtobufSerde;
import io.exitstream.protos.Topics;
import io.exitstream.protos.v1.ScheduleDecision;
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
 * The loop under a budget no skipped layer meets (every greedy prediction kept), so the
 * candidate live traffic suggests is rejected with its reasons and the server never sees it.
 * (stories260K could not lose a layer within the default budgets; the shipped model, trained
 * with layer dropout, can.)
 */
@KafkaBroker
class LoopRejectsTest {

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aCandidateBreakingTheBudgetIsRejectedAndTheServerKeepsItsPlan(Broker broker,
            @TempDir Path state) throws Exception {
        // Any layer may be proposed (--max-influence 1), one at a time; none may pass.
        try (LiveLoop loop = LiveLoop.start(broker.bootstrapServers(), state,
                "--window", "4s", "--grace", "0s", "--min-agreement", "0.999",
                "--max-influence", "1.0", "--max-skip", "1", "--max-draft", "0",
                "--calibration-sequences", "2")) {
            List<ScheduleDecision> decisions = loop.read(Topics.DECISIONS,
                    ProtobufSerde.decisions().deserializer(),
                    d -> d.getCandidate().getSkippedLayersCount() > 0, Duration.ofSeconds(40));
            ScheduleDecision rejected = decisions.get(decisions.size() - 1);
            assertThat(rejected.getCandidate().getSkippedLayersList()).as("%s", decisions)
                    .hasSize(1);
            assertThat(rejected.getOutcome()).isEqualTo(ScheduleDecision.Outcome.REJECTED);
            assertThat(rejected.getAgreement()).isLessThan(0.999);
            assertThat(rejected.getReasonsList()).anyMatch(r -> r.contains("agreement"));

            // Traffic goes on under plan 0, and nothing reached the schedules topic.
            assertThat(loop.completionPlanVersion()).isZero();
            assertThat(loop.metricPlanVersion()).isZero();
            assertThat(loop.read(Topics.SCHEDULES, ProtobufSerde.schedules().deserializer(),
                    s -> true, Duration.ofSeconds(2))).isEmpty();
            assertThat(loop.failures()).isEmpty();
        }
    }
}
