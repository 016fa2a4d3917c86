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
 * and what its tokens cost by batch size, the same for the plan in force, its trial, and the
 * speed each plan was measured at while it was in force. Mutable, owned by the stream thread; changelogged with the decisions.
 */
final class LoopState {

    /** End of the window whose decision last changed the plan, epoch ms. */
    long changedAtMillis = Long.MIN_VALUE;
    /** The plan the last change replaced (SkipSchedule, base64); null when none to go back to. */
    String replaced;
    /** The replaced plan's tokens while it was in force, by batch size. */
    Map<Integer, WindowStats.Speed> replacedByBatch = new TreeMap<>();
    /** The plan in force's tokens since it came in force, by batch size. */
    Map<Integer, WindowStats.Speed> inForceByBatch = new TreeMap<>();
    /** The gain the cost model predicted for the new plan. */
    double predictedGain = Double.NaN;
    /** The plan version on trial; -1 when none is. */
    long trialVersion = -1;
    /** Trial windows counted so far. */
    int trialWindows;
    /** Observed tokens/s by plan shape ({@link #shape}), the latest while it was in force. */
    Map<String, Double> measured = new TreeMap<>();

    /** A plan's skips and exit policy without its version: what measurements are kept by. */
    static String shape(ExecutionPlan plan) {
        return new ExecutionPlan(0, plan.skippedLayers(), plan.exit()).toJson();
    }

    boolean onTrial(long version) {
        return trialVersion == version;
    }

    /** Adds the plan in force's tokens of one window, by batch size. */
    void inForce(Map<Integer, WindowStats.Speed> byBatch) {
        byBatch.forEach((batch, speed) -> inForceByBatch.merge(batch, speed,
                WindowStats.Speed::merge));
    }

    /**
     * A change to a new plan at {@code endMillis}: what the replaced plan did is kept for the
     * new one's trial, if it has one ({@code trialVersion} -1: none).
     */
    void changed(long endMillis, SkipSchedule from, long newVersion, double gain) {
        changedAtMillis = endMillis;
        replaced = Base64.getEncoder().encodeToString(from.toByteArray());
        replacedByBatch = inForceByBatch;
        inForceByBatch = new TreeMap<>();
        predictedGain = gain;
        trialVersion = newVersion;
        trialWindows = 0;
    }

    /** A rollback at {@code endMillis}: nothing on trial, nothing to go back to. */
    void rolledBack(long endMillis) {
        changedAtMillis = endMillis;
        replaced = null;
        replacedByBatch = new TreeMap<>();
        inForceByBatch = new TreeMap<>();
        endTrial();
    }

    void endTrial() {
        trialVersion = -1;
        trialWindows = 0;
    }

    SkipSchedule replacedSchedule() {
        try {
            return SkipSchedule.parseFrom(Base64.getDecoder().decode(replaced));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the loop state's replaced plan is corrupt", e);
        }
    }
}
