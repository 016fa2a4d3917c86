package io.exitstream.compression.reschedule;

import java.time.Duration;

/**
 * When the loop may change the plan, besides the gate's budgets: the evidence a window must
 * hold, how long a new plan stays before the next change, and how it is checked against what it
 * promised.
 *
 * @param minWindowTokens tokens a window needs before any decision on it changes a plan, and
 *     that a trial window needs under the plan on trial
 * @param dwell after a change (accepted or rolled back), the least time, in window ends, before
 *     the next
 * @param trialWindows windows of at least {@code minWindowTokens} tokens under a new plan over
 *     which its observed speed is compared with the plan it replaced; a new plan slower there
 *     is rolled back. 0 checks nothing
 */
public record LoopRules(long minWindowTokens, Duration dwell, int trialWindows) {

    public LoopRules {
        if (minWindowTokens < 0 || trialWindows < 0 || dwell.isNegative()) {
            throw new IllegalArgumentException("min window tokens, dwell and trial windows must"
                    + " be >= 0, got " + minWindowTokens + ", " + dwell + " and "
                    + trialWindows);
        }
    }

    /** No rule: every window decides and nothing is checked after a change. */
    public static LoopRules none() {
        return new LoopRules(0, Duration.ZERO, 0);
    }
}
