package io.exitstream.engine.runtime;

import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.plan.ExecutionPlan;
import io.exitstream.engine.plan.ExitPolicy;

/**
 * A validated plan turned into the layer lists a step passes to {@link LlamaModel#layers}, made
 * once per plan rather than per step.
 */
final class LayerSchedule {

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
     * @throws IllegalArgumentException if the plan does not fit the model or its exit policy is
     *     one the generator cannot run
     */
    LayerSchedule(ExecutionPlan plan, LlamaModel model) {
        ModelConfig config = model.config();
        plan.validate(config);
        if (plan.exit() instanceof ExitPolicy.Confidence) {
            throw new IllegalArgumentException("confidence exits are not supported by the"
                    + " generator yet");
        }
        this.plan = plan;
        this.kept = plan.keptLayers(0, config.layers());
        this.lastKept = kept[kept.length - 1];
        if (plan.exit() instanceof ExitPolicy.SelfSpeculative speculative) {
            draft = plan.keptLayers(0, speculative.exitLayer() + 1);
            verify = plan.keptLayers(speculative.exitLayer() + 1, config.layers());
        } else {
            draft = null;
            verify = null;
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
     * One decode step of the plan's kept layers: row r feeds {@code tokens[r]} at
     * {@code positions[r]} of {@code slots[r]}.
     */
    DecodedRows decode(LlamaModel model, KvCache cache, int[] slots, int[] positions,
            int[] tokens, boolean influence) {
        float[] logits = model.decode(cache, slots, positions, tokens, kept);
        return DecodedRows.full(logits, slots.length, this);
    }
}
