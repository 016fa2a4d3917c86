package io.exitstream.compression.reschedule;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.protos.SchedulePlans;
import io.exitstream.protos.v1.ScheduleDecision;
import io.exitstream.protos.v1.SkipSchedule;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns each closed window into a decision, on the stream thread. The gate runs the model here,
 * inside the task's exactly-once transaction: the decision, the published schedule, the plan
 * store and the consumed offsets commit together, so a crash never publishes a plan twice or
 * loses one. Its time is bounded by the calibration set (and cached per skip schedule), and it
 * runs once per window and model, while new telemetry simply waits in Kafka.
 */
final class DecisionProcessor
        implements Processor<Windowed<String>, WindowStats, String, ScheduleDecision> {

    private static final System.Logger LOG =
            System.getLogger(DecisionProcessor.class.getName());

    private final Rescheduler rescheduler;
    private final MeterRegistry registry;
    private ProcessorContext<String, ScheduleDecision> context;
    private KeyValueStore<String, SkipSchedule> plans;

    DecisionProcessor(Rescheduler rescheduler, MeterRegistry registry) {
        this.rescheduler = rescheduler;
        this.registry = registry;
    }

    @Override
    public void init(ProcessorContext<String, ScheduleDecision> context) {
        this.context = context;
        this.plans = context.getStateStore(RescheduleTopology.PLANS_STORE);
    }

    @Override
    public void process(Record<Windowed<String>, WindowStats> window) {
        String model = window.key().key();
        SkipSchedule inForce = plans.get(model);
        ExecutionPlan current = inForce == null ? ExecutionPlan.full()
                : SchedulePlans.toPlan(inForce);
        ScheduleDecision decision = rescheduler.decide(window.key().window().startTime(),
                window.key().window().endTime(), window.value(), current);
        boolean accepted = decision.getOutcome() == ScheduleDecision.Outcome.ACCEPTED;
        if (accepted) {
            plans.put(model, decision.getCandidate());
        }
        Counter.builder("exitstream.schedule.decisions")
                .description("Decisions of the re-scheduler on candidate schedules, by outcome"
                        + " (accepted: published; rejected: the plan in force stays)")
                .tag("model", model)
                .tag("outcome", DecisionLine.outcome(decision))
                .register(registry)
                .increment();
        LOG.log(System.Logger.Level.INFO, "reschedule: " + DecisionLine.of(decision));
        context.forward(window.withKey(model).withValue(decision));
    }
}
