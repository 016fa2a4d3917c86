package io.exitstream.protos;

import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import io.exitstream.protos.v1.ConfidenceExit;
import io.exitstream.protos.v1.NoExit;
import io.exitstream.protos.v1.SelfSpeculativeExit;
import io.exitstream.protos.v1.SkipSchedule;
import java.util.Locale;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Converts between a published {@link SkipSchedule} and the engine's {@link ExecutionPlan}.
 * It lives here, not in the engine, because the engine knows nothing of the wire format.
 */
public final class SchedulePlans {

    private SchedulePlans() {
    }

    /**
     * The plan a schedule describes. Checks what holds for any model (no negative layer, an
     * exit policy with sane values); the caller validates the layers against its model.
     *
     * @throws IllegalArgumentException with a one-line message saying what is wrong
     */
    public static ExecutionPlan toPlan(SkipSchedule schedule) {
        ExitPolicy exit = switch (schedule.getExitPolicyCase()) {
            case NONE -> new ExitPolicy.None();
            case CONFIDENCE -> new ExitPolicy.Confidence(
                    new TreeMap<>(schedule.getConfidence().getThresholdsMap()),
                    schedule.getConfidence().getMinExitLayer());
            case SELF_SPECULATIVE -> new ExitPolicy.SelfSpeculative(
                    schedule.getSelfSpeculative().getExitLayer(),
                    schedule.getSelfSpeculative().getDraftTokens());
            case EXITPOLICY_NOT_SET -> throw new IllegalArgumentException(
                    "the schedule has no exit policy");
        };
        return new ExecutionPlan(schedule.getVersion(), schedule.getSkippedLayersList(), exit);
    }

    /**
     * The schedule that carries {@code plan} for {@code modelId}, without window or gate
     * figures: the re-scheduler adds those with {@code toBuilder()}.
     */
    public static SkipSchedule toSchedule(String modelId, ExecutionPlan plan) {
        SkipSchedule.Builder schedule = SkipSchedule.newBuilder()
                .setModelId(modelId)
                .setVersion(plan.version())
                .addAllSkippedLayers(plan.skippedLayers());
        ExitPolicy exit = plan.exit();
        if (exit instanceof ExitPolicy.Confidence confidence) {
            schedule.setConfidence(ConfidenceExit.newBuilder()
                    .putAllThresholds(confidence.thresholds())
                    .setMinExitLayer(confidence.minExitLayer()));
        } else if (exit instanceof ExitPolicy.SelfSpeculative speculative) {
            schedule.setSelfSpeculative(SelfSpeculativeExit.newBuilder()
                    .setExitLayer(speculative.exitLayer())
                    .setDraftTokens(speculative.draftTokens()));
        } else {
            schedule.setNone(NoExit.getDefaultInstance());
        }
        return schedule.build();
    }

    /**
     * A plan in a few words, for log lines: its version, the layers it skips and how tokens
     * exit, e.g. {@code plan 3 (skips [2], self-speculative: 2 drafts from layer 3)}.
     */
    public static String describe(ExecutionPlan plan) {
        String skips = plan.skippedLayers().isEmpty() ? "no skipped layer"
                : "skips " + plan.skippedLayers();
        String exit;
        if (plan.exit() instanceof ExitPolicy.Confidence confidence) {
            exit = "confidence exits from layer " + confidence.minExitLayer() + " at "
                    + confidence.thresholds().entrySet().stream()
                            .map(t -> String.format(Locale.ROOT, "%d:%.3f", t.getKey(),
                                    t.getValue()))
                            .collect(Collectors.joining(", ", "{", "}"));
        } else if (plan.exit() instanceof ExitPolicy.SelfSpeculative speculative) {
            exit = "self-speculative: " + speculative.draftTokens() + " drafts from layer "
                    + speculative.exitLayer();
        } else {
            exit = "no early exit";
        }
        return "plan " + plan.version() + " (" + skips + ", " + exit + ")";
    }
}
