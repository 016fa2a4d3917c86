package io.exitstream.compression.reschedule;

import com.google.protobuf.InvalidProtocolBufferException;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.protos.v1.SkipSchedule;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the loop remembers about one model besides the plan in force (store
 * {@link RescheduleTopology#LOOP_STORE}, JSON): when the plan last changed, the plan it replaced
 * and how fast that one was, the trial of the new plan, and the speed each plan was measured at
 * while it was in force. Mutable, owned by the stream thread; changelogged with the decisions.
 */
final class LoopState {

    /** End of the window whose decision last changed the plan, epoch ms. */
    long changedAtMillis = Long.MIN_VALUE;
    /** The plan the last change replaced (SkipSchedule, base64); null when none to go back to. */
    String replaced;
    /** Observed tokens/s of the replaced plan in the window that replaced it. */
    double replacedSpeed = Double.NaN;
    /** The gain the cost model predicted for the new plan. */
    double predictedGain = Double.NaN;
    /** The plan version on trial; -1 when none is. */
    long trialVersion = -1;
    /** Trial windows counted so far. */
    int trialWindows;
    /** The trial windows' tokens of the plan on trial. */
    WindowStats.Speed trialSpeed = new WindowStats.Speed(0, 0, 0);
    /** Observed tokens/s by plan shape ({@link #shape}), the latest while it was in force. */
    Map<String, Double> measured = new TreeMap<>();

    /** A plan's skips and exit policy without its version: what measurements are kept by. */
    static String shape(ExecutionPlan plan) {
        return new ExecutionPlan(0, plan.skippedLayers(), plan.exit()).toJson();
    }

    boolean onTrial(long version) {
        return trialVersion == version;
    }

    /** A change to a new plan at {@code endMillis}: its trial starts. */
    void changed(long endMillis, SkipSchedule from, double fromSpeed, long newVersion,
            double gain) {
        changedAtMillis = endMillis;
        replaced = Base64.getEncoder().encodeToString(from.toByteArray());
        replacedSpeed = fromSpeed;
        predictedGain = gain;
        trialVersion = newVersion;
        trialWindows = 0;
        trialSpeed = new WindowStats.Speed(0, 0, 0);
    }

    /** A rollback at {@code endMillis}: nothing on trial, nothing to go back to. */
    void rolledBack(long endMillis) {
        changedAtMillis = endMillis;
        replaced = null;
        endTrial();
    }

    void endTrial() {
        trialVersion = -1;
        trialWindows = 0;
        trialSpeed = new WindowStats.Speed(0, 0, 0);
    }

    SkipSchedule replacedSchedule() {
        try {
            return SkipSchedule.parseFrom(Base64.getDecoder().decode(replaced));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the loop state's replaced plan is corrupt", e);
        }
    }
}
