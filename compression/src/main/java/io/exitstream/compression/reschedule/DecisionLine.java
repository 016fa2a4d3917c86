package io.exitstream.compression.reschedule;

import io.exitstream.protos.SchedulePlans;
import io.exitstream.protos.v1.ScheduleDecision;
import io.exitstream.protos.v1.SkipSchedule;
import java.time.Instant;
import java.util.Locale;

/**
 * A {@link ScheduleDecision} as one line of text, for the log and for the history an operator
 * reads: the outcome, the window (when and how many tokens), the candidate plan, the expected
 * gain, the gate's agreement and perplexity change, and the reasons.
 */
public final class DecisionLine {

    private DecisionLine() {
    }

    /** The decision in one line, e.g. {@code accepted plan 3 (...) on 1401 tokens ...}. */
    public static String of(ScheduleDecision decision) {
        StringBuilder line = new StringBuilder();
        line.append(outcome(decision)).append(' ');
        if (decision.hasCandidate()) {
            SkipSchedule candidate = decision.getCandidate();
            line.append(SchedulePlans.describe(SchedulePlans.toPlan(candidate)));
            if (candidate.hasWindow()) {
                line.append(" on ").append(candidate.getWindow().getTokenCount())
                        .append(" tokens of the window from ")
                        .append(instant(candidate.getWindow().getStart()));
            }
        } else {
            line.append("no candidate");
        }
        line.append(" for model ").append(decision.getModelId());
        if (decision.getCurrentTokensPerSecond() > 0) {
            line.append(format(": %s gain %+.1f%%", decision.hasGainError() ? "predicted"
                    : "measured", 100 * (decision.getCandidateTokensPerSecond()
                            / decision.getCurrentTokensPerSecond() - 1)));
            if (decision.hasGainError()) {
                line.append(format(" +- %.1f%%", 100 * decision.getGainError()));
            }
            line.append(format(" (%.1f vs %.1f tokens/s)", decision.getCandidateTokensPerSecond(),
                    decision.getCurrentTokensPerSecond()));
        }
        if (decision.hasObservedTokensPerSecond()) {
            line.append(format(", plan in force observed at %.1f tokens/s",
                    decision.getObservedTokensPerSecond()));
        }
        line.append(decision.hasAgreement()
                ? format(", agreement %.3f, perplexity change %+.1f%%", decision.getAgreement(),
                        100 * decision.getPerplexityChange())
                : ", quality not measured");
        line.append("; ").append(String.join("; ", decision.getReasonsList()));
        return line.toString();
    }

    /** The outcome as the metric's label says it: accepted, rejected, rolled_back. */
    public static String outcome(ScheduleDecision decision) {
        return decision.getOutcome().name().toLowerCase(Locale.ROOT);
    }

    private static Instant instant(com.google.protobuf.Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    private static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }
}
