package io.exitstream.compression.reschedule;

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

    private final PlanLoop loop;
    private final MeterRegistry registry;
    private final LastDecisionGauges last;
    private ProcessorContext<String, ScheduleDecision> context;
    private KeyValueStore<String, SkipSchedule> plans;
    private KeyValueStore<String, LoopState> states;

    DecisionProcessor(PlanLoop loop, MeterRegistry registry, LastDecisionGauges last) {
        this.loop = loop;
        this.registry = registry;
        this.last = last;
    }

    @Override
    public void init(ProcessorContext<String, ScheduleDecision> context) {
        this.context = context;
        this.plans = context.getStateStore(RescheduleTopology.PLANS_STORE);
        this.states = context.getStateStore(RescheduleTopology.LOOP_STORE);
    }

    @Override
    public void process(Record<Windowed<String>, WindowStats> window) {
        String model = window.key().key();
        LoopState state = states.get(model);
        if (state == null) {
            state = new LoopState();
        }
        ScheduleDecision decision = loop.decide(window.key().window().startTime(),
                window.key().window().endTime(), window.value(), plans.get(model), state);
        states.put(model, state);
        if (RescheduleTopology.publishes(decision)) {
            plans.put(model, decision.getCandidate());
        }
        Counter.builder("exitstream.schedule.decisions")
                .description("Decisions of the re-scheduler, by outcome (accepted: a new plan"
                        + " published; rejected: the plan in force stays; rolled_back: a plan"
                        + " slower than predicted withdrawn)")
                .tag("model", model)
                .tag("outcome", DecisionLine.outcome(decision))
                .register(registry)
                .increment();
        GateMetrics.record(registry, DecisionLine.outcome(decision), decision);
        last.record(decision);
        LOG.log(System.Logger.Level.INFO, "reschedule: " + DecisionLine.of(decision));
        context.forward(window.withKey(model).withValue(decision));
    }
}
