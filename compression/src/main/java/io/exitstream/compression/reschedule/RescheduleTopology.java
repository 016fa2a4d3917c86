package io.exitstream.compression.reschedule;

import io.exitstream.protos.ProtobufSerde;
import io.exitstream.protos.Topics;
import io.exitstream.protos.v1.ScheduleDecision;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The re-scheduler's Kafka Streams topology, shared by {@code exitstream reschedule} and the
 * tests:
 * <pre>
 * exitstream.telemetry.tokens (TokenEvent by model)
 *   -> this model's events only
 *   -> tumbling windows per model: WindowStats            [store: window-stats]
 *   -> held until the window closes (end + grace)
 *   -> trial/rollback, evidence, dwell; candidate, gate   [stores: plans-in-force, loop-state]
 *   -> every decision:                exitstream.schedule-decisions
 *   -> accepted and rolled-back-to schedules: exitstream.schedules (compacted)
 * </pre>
 * Every record stays keyed by model id from source to sinks, so nothing is repartitioned: a
 * model's events, its windows and its plan in force live in one partition's task.
 */
public final class RescheduleTopology {

    /** Window aggregates, changelogged. */
    public static final String STATS_STORE = "window-stats";
    /** The last accepted schedule per model: the plan a candidate must beat. */
    public static final String PLANS_STORE = "plans-in-force";
    /** Per model, the loop's memory: last change, plan on trial, measured speeds. */
    public static final String LOOP_STORE = "loop-state";

    private RescheduleTopology() {
    }

    /** The topology without {@link LoopRules}: every window decides on the gate alone. */
    public static Topology build(Rescheduler rescheduler, Duration window, Duration grace,
            MeterRegistry registry) {
        return build(rescheduler, LoopRules.none(), window, grace, registry);
    }

    /**
     * @param rescheduler decides for one model; events of other models are ignored
     * @param rules when a decision may change the plan, and how a new plan is checked
     * @param window tumbling window size
     * @param grace how long a window stays open for late events after its end
     */
    public static Topology build(Rescheduler rescheduler, LoopRules rules, Duration window,
            Duration grace, MeterRegistry registry) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(PLANS_STORE), Serdes.String(),
                ProtobufSerde.schedules()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(LOOP_STORE), Serdes.String(),
                new JsonSerde<>(LoopState.class)));
        PlanLoop loop = new PlanLoop(rescheduler, rules);
        LastDecisionGauges last = new LastDecisionGauges(rescheduler.modelId(), registry);
        String model = rescheduler.modelId();

        KStream<String, ScheduleDecision> decisions = builder
                // Token events, windowed by the time the server made them.
                .stream(Topics.TELEMETRY, Consumed.with(Serdes.String(),
                        ProtobufSerde.tokenEvents()).withTimestampExtractor(new TokenEventTime()))
                // This instance loaded one model; other models have their own re-schedulers.
                .filter((key, event) -> model.equals(key))
                // Already keyed by model: grouping does not repartition.
                .groupByKey(Grouped.with(Serdes.String(), ProtobufSerde.tokenEvents()))
                .windowedBy(TimeWindows.ofSizeAndGrace(window, grace))
                .aggregate(WindowStats::new, (key, event, stats) -> stats.add(event),
                        Materialized.<String, WindowStats, WindowStore<Bytes, byte[]>>as(
                                STATS_STORE)
                                .withKeySerde(Serdes.String())
                                .withValueSerde(new WindowStatsSerde()))
                // One result per window, when it can no longer change.
                .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
                .toStream()
                // Derive, gate and decide; back to the model id as key.
                .process(() -> new DecisionProcessor(loop, registry, last), PLANS_STORE,
                        LOOP_STORE);

        decisions.to(Topics.DECISIONS, Produced.with(Serdes.String(),
                ProtobufSerde.decisions()));
        decisions.filter((key, decision) -> publishes(decision))
                .mapValues(ScheduleDecision::getCandidate)
                .to(Topics.SCHEDULES, Produced.with(Serdes.String(), ProtobufSerde.schedules()));
        return builder.build();
    }

    /** Whether a decision's candidate becomes the plan in force: accepted or rolled back to. */
    static boolean publishes(ScheduleDecision decision) {
        return decision.getOutcome() == ScheduleDecision.Outcome.ACCEPTED
                || decision.getOutcome() == ScheduleDecision.Outcome.ROLLED_BACK;
    }
}
