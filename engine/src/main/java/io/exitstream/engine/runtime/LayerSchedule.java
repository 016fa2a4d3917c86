package io.exitstream.engine.runtime;

import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;
import java.util.Arrays;
import java.util.Set;

/**
 * A validated plan turned into the layer lists a step passes to {@link LlamaModel#layers}, made
 * once per plan rather than per step.
 */
final class LayerSchedule {

    /** A threshold no confidence reaches. */
    private static final double NO_EXIT = 2;

    final ExecutionPlan plan;
    /** Every layer that runs, ascending. */
    final int[] kept;
    /** The last kept layer: the exit of a token that runs the whole plan. */
    final int lastKept;
    /** Self-speculation: the kept layers up to the exit layer, which draft; else null. */
    final int[] draft;
    /** Self-speculation: the kept layers above the exit layer, which verify; else null. */
    final int[] verify;
    /**
     * Confidence exits: per kept layer, the confidence a row needs to leave after it; above 1
     * where rows may not leave. Thresholds below the minimum exit layer or at the last kept
     * layer (where every row leaves anyway) do not apply.
     */
    final double[] thresholds;
    /** Whether any kept layer is an exit layer of a confidence plan. */
    final boolean exits;
    /** The model's exit heads when the plan was set; sequences keep them to the end. */
    final DeviceExitHeads heads;

    /**
     * @throws IllegalArgumentException if the plan does not fit the model, or exits at a layer
     *     for which the model has no exit head
     */
    LayerSchedule(ExecutionPlan plan, LlamaModel model) {
        ModelConfig config = model.config();
        plan.validate(config);
        this.plan = plan;
        this.kept = plan.keptLayers(0, config.layers());
        this.lastKept = kept[kept.length - 1];
        this.heads = model.deviceExitHeads();
        this.thresholds = new double[kept.length];
        Arrays.fill(thresholds, NO_EXIT);
        if (plan.exit() instanceof ExitPolicy.Confidence confidence) {
            for (int i = 0; i < kept.length - 1; i++) {
                Float threshold = confidence.thresholds().get(kept[i]);
                if (threshold != null && kept[i] >= confidence.minExitLayer()) {
                    requireHead(kept[i]);
                    thresholds[i] = threshold;
                }
            }
        }
        this.exits = Arrays.stream(thresholds).anyMatch(t -> t <= 1);
        if (plan.exit() instanceof ExitPolicy.SelfSpeculative speculative) {
            draft = plan.keptLayers(0, speculative.exitLayer() + 1);
            verify = plan.keptLayers(speculative.exitLayer() + 1, config.layers());
        } else {
            draft = null;
            verify = null;
        }
    }

    private void requireHead(int layer) {
        if (heads.heads.at(layer).isEmpty()) {
            Set<Integer> available = heads.heads.byLayer().keySet();
            throw new IllegalArgumentException("the plan exits at layer " + layer
                    + " but the model has no exit head there (" + (available.isEmpty()
                    ? "it has no exit heads" : "it has heads for layers " + available) + ")");
        }
    }

    boolean isSpeculative() {
        return draft != null;
    }

    /** Self-speculation's exit layer. */
    int exitLayer() {
        return ((ExitPolicy.SelfSpeculative) plan.exit()).exitLayer();
    }

    /** Self-speculation's draft length. */
    int draftTokens() {
        return ((ExitPolicy.SelfSpeculative) plan.exit()).draftTokens();
    }

    /** The report of a token that ran every kept layer and did not exit early. */
    TokenReport full(int token) {
        return new TokenReport(token, plan.version(), lastKept, kept.length, Float.NaN, 0, 0,
                null);
    }

    /**
     * One decode step of the plan's kept layers (not for self-speculation): row r feeds
     * {@code tokens[r]} at {@code positions[r]} of {@code slots[r]}; rows leave at the exit
     * layers when the plan has confidence exits. With {@code influence} every row's block
     * influence is measured too. Either way it is one call into the model's program, whose
     * output lands in {@code output}'s buffer.
     */
    DecodedRows decode(LlamaModel model, KvCache cache, int[] slots, int[] positions,
            int[] tokens, boolean influence, StepOutput output) {
        if (!exits && !influence) {
            float[] logits = model.decode(cache, slots, positions, tokens, kept, output);
            return DecodedRows.full(logits, slots.length, model.config().vocabSize(), this);
        }
        return model.decodeExits(cache, slots, positions, tokens, this, influence, output);
    }
}
