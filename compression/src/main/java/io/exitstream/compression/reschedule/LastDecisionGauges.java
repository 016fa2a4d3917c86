package io.exitstream.compression.reschedule;

import io.exitstream.protos.v1.ScheduleDecision;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToDoubleFunction;

/**
 * The figures of the loop's latest decisions as gauges, label {@code model}: the predicted gain
 * of the last candidate priced, the observed gain of the last plan whose trial ended, and the
 * agreement and perplexity change of the last candidate the gate measured. NaN until known.
 * One per topology, shared by its processors: a gauge keeps the first object it was registered
 * with.
 */
final class LastDecisionGauges {

    private volatile double predictedGain = Double.NaN;
    private volatile double observedGain = Double.NaN;
    private volatile double agreement = Double.NaN;
    private volatile double perplexityChange = Double.NaN;

    LastDecisionGauges(String model, MeterRegistry registry) {
        gauge(registry, model, "exitstream.schedule.last.predicted.gain",
                "Expected speed-up minus 1 of the last candidate the re-scheduler priced",
                g -> g.predictedGain);
        gauge(registry, model, "exitstream.schedule.last.observed.gain",
                "Observed speed over the replaced plan's, minus 1, of the last plan whose trial"
                        + " ended (negative: rolled back)", g -> g.observedGain);
        gauge(registry, model, "exitstream.schedule.last.agreement",
                "Greedy agreement with the full model of the last candidate the gate measured",
                g -> g.agreement);
        gauge(registry, model, "exitstream.schedule.last.perplexity.change",
                "Relative perplexity change of the last candidate the gate measured",
                g -> g.perplexityChange);
    }

    private void gauge(MeterRegistry registry, String model, String name, String help,
            ToDoubleFunction<LastDecisionGauges> value) {
        Gauge.builder(name, this, value).description(help).tag("model", model)
                .register(registry);
    }

    void record(ScheduleDecision decision) {
        if (decision.getCurrentTokensPerSecond() > 0 && decision.hasGainError()) {
            predictedGain = decision.getCandidateTokensPerSecond()
                    / decision.getCurrentTokensPerSecond() - 1;
        }
        if (decision.hasObservedGain()) {
            observedGain = decision.getObservedGain();
        }
        if (decision.hasAgreement()) {
            agreement = decision.getAgreement();
            perplexityChange = decision.getPerplexityChange();
        }
    }
}
