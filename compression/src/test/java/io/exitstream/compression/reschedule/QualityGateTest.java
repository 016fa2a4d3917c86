package io.exitstream.compression.reschedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class QualityGateTest {

    private static final CostModel COST = new CostModel(0.001, 0.001);

    private static Candidate skipping(int... layers) {
        return skipping(0, layers);
    }

    private static Candidate skipping(double gainError, int... layers) {
        List<Integer> skipped = Arrays.stream(layers).boxed().toList();
        ExecutionPlan plan = new ExecutionPlan(1, skipped, new ExitPolicy.None());
        return new Candidate(plan, ExecutionPlan.full(), COST,
                COST.tokensPerSecond(plan, 5, Double.NaN),
                COST.tokensPerSecond(ExecutionPlan.full(), 5, Double.NaN), gainError);
    }

    @Test
    void aGainTheWindowDoesNotSupportIsRejected() {
        QualityGate gate = new QualityGate(new GateBudget(0.5, 1, 0.05, 0.95), plan ->
                Qualities.of(0.99, 10.1, 10.0, 500));

        // 20 % expected: +- 10 % leaves 3.6 % at 95 % (z = 1.645), below 5 %; +- 5 % does not.
        GateDecision noisy = gate.judge(skipping(0.10, 2));
        GateDecision clear = gate.judge(skipping(0.05, 2));

        assertThat(noisy.accepted()).isFalse();
        assertThat(noisy.quality()).isEmpty();
        assertThat(noisy.reasons()).singleElement().asString()
                .contains("expected gain 20.0% +- 10.0%", "at 95% confidence at least 3.6%",
                        "below the minimum 5.0%");
        assertThat(clear.accepted()).as("%s", clear.reasons()).isTrue();
    }

    @Test
    void theSamePlanAsTheOneInForceIsNoChange() {
        QualityGate gate = new QualityGate(new GateBudget(0.5, 1, 0), plan -> {
            throw new AssertionError("the model must not run");
        });
        ExecutionPlan same = new ExecutionPlan(1, List.of(), new ExitPolicy.None());

        GateDecision decision = gate.judge(new Candidate(same, ExecutionPlan.full(), COST, 100,
                100, 0));

        assertThat(decision.accepted()).isFalse();
        assertThat(decision.reasons()).singleElement().asString()
                .contains("runs as the plan in force does");
    }

    @Test
    void tooLittleGainIsRejectedWithoutRunningTheModel() {
        QualityGate gate = new QualityGate(new GateBudget(0.95, 0.05, 0.25), plan -> {
            throw new AssertionError("the model must not run");
        });

        GateDecision decision = gate.judge(skipping(2));

        assertThat(decision.accepted()).isFalse();
        assertThat(decision.quality()).isEmpty();
        assertThat(decision.reasons()).singleElement().asString()
                .contains("expected gain 20.0%", "below the minimum 25.0%");
    }

    @Test
    void eachBrokenBudgetIsAReason() {
        QualityGate gate = new QualityGate(GateBudget.defaults(),
                plan -> Qualities.of(0.80, 11.0, 10.0, 500));

        GateDecision decision = gate.judge(skipping(2, 3));

        assertThat(decision.accepted()).isFalse();
        assertThat(decision.reasons()).hasSize(2);
        assertThat(decision.reasons().get(0)).contains("agreement 0.800", "below", "0.950");
        assertThat(decision.reasons().get(1)).contains("+10.0%", "above the maximum +5.0%");
    }

    @Test
    void aCandidateWithinEveryBudgetIsAcceptedWithItsMargins() {
        QualityGate gate = new QualityGate(GateBudget.defaults(),
                plan -> Qualities.of(0.97, 10.2, 10.0, 500));

        GateDecision decision = gate.judge(skipping(2));

        assertThat(decision.accepted()).isTrue();
        assertThat(decision.reasons()).hasSize(3).allMatch(r -> !r.contains("below"));
    }
}
