package io.exitstream.protos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import io.exitstream.protos.v1.SkipSchedule;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SchedulePlansTest {

    @Test
    void everyExitPolicySurvivesTheWireUnchanged() throws Exception {
        TreeMap<Integer, Float> thresholds = new TreeMap<>();
        thresholds.put(2, 0.9f);
        thresholds.put(3, 0.75f);
        List<ExecutionPlan> plans = List.of(
                ExecutionPlan.full(),
                new ExecutionPlan(3, List.of(1, 4), new ExitPolicy.Confidence(thresholds, 2)),
                new ExecutionPlan(7, List.of(2), new ExitPolicy.SelfSpeculative(3, 4)));
        for (ExecutionPlan plan : plans) {
            byte[] wire = SchedulePlans.toSchedule("stories260K", plan).toByteArray();
            SkipSchedule read = SkipSchedule.parseFrom(wire);
            assertThat(read.getModelId()).isEqualTo("stories260K");
            assertThat(SchedulePlans.toPlan(read)).isEqualTo(plan);
        }
    }

    @Test
    void aScheduleWithoutExitPolicyOrWithBadValuesIsRefusedInOneLine() {
        SkipSchedule noPolicy = SkipSchedule.newBuilder().setModelId("m").setVersion(1).build();
        assertThatThrownBy(() -> SchedulePlans.toPlan(noPolicy))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the schedule has no exit policy");
        SkipSchedule negative = SchedulePlans.toSchedule("m", ExecutionPlan.full()).toBuilder()
                .addSkippedLayers(-1).build();
        assertThatThrownBy(() -> SchedulePlans.toPlan(negative))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }
}
