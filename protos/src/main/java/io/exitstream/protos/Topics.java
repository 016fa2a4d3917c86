package io.exitstream.protos;

/** The Kafka topics of the telemetry loop; every record is keyed by model id. */
public final class Topics {

    /** One {@code TokenEvent} per generated token. */
    public static final String TELEMETRY = "exitstream.telemetry.tokens";
    /** Accepted {@code SkipSchedule}s; compacted, so the latest per model is the plan. */
    public static final String SCHEDULES = "exitstream.schedules";
    /** One {@code ScheduleDecision} per candidate, accepted or rejected. */
    public static final String DECISIONS = "exitstream.schedule-decisions";

    private Topics() {
    }
}
