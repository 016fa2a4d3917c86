package io.exitstream.engine.plan;

import io.exitstream.engine.model.ModelConfig;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * How a model runs: the layers it skips (the static schedule) and how tokens may exit early.
 * Immutable; a newer plan has a higher version, and a running engine swaps plans between decode
 * steps.
 *
 * <p>The constructor checks what holds for any model; {@link #validate} checks the layer
 * indices against one model, and {@link #parse} does both for a plan read from JSON.
 *
 * @param version increases with every plan published for a model; 0 is the full model
 * @param skippedLayers layer indices that never run, ascending and distinct
 * @param exit how tokens may leave before the last kept layer
 */
public record ExecutionPlan(long version, List<Integer> skippedLayers, ExitPolicy exit) {

    private static final ExecutionPlan FULL = new ExecutionPlan(0, List.of(),
            new ExitPolicy.None());

    public ExecutionPlan {
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, got " + version);
        }
        TreeSet<Integer> sorted = new TreeSet<>();
        for (Integer layer : skippedLayers) {
            if (layer == null || layer < 0) {
                throw new IllegalArgumentException("skipped layer " + layer
                        + " is not a layer index");
            }
            sorted.add(layer);
        }
        skippedLayers = List.copyOf(sorted);
        if (exit == null) {
            throw new IllegalArgumentException("the plan needs an exit policy");
        }
    }

    /** Every layer, no early exit: the model as trained. */
    public static ExecutionPlan full() {
        return FULL;
    }

    /**
     * Reads a plan from JSON (see {@link #toJson()}) and validates it against the model.
     *
     * @throws IllegalArgumentException with a one-line message saying what is wrong
     */
    public static ExecutionPlan parse(String json, ModelConfig config) {
        ExecutionPlan plan = PlanJson.read(json);
        plan.validate(config);
        return plan;
    }

    /** The plan as JSON, the form {@link #parse} reads. */
    public String toJson() {
        return PlanJson.write(this);
    }

    public boolean skips(int layer) {
        return skippedLayers.contains(layer);
    }

    /** The layers that run, ascending, among {@code [from, to)}. */
    public int[] keptLayers(int from, int to) {
        return IntStream.range(from, to).filter(l -> !skips(l)).toArray();
    }

    /**
     * Checks the plan's layer indices against the model.
     *
     * @throws IllegalArgumentException with a one-line message saying what is wrong
     */
    public void validate(ModelConfig config) {
        int layers = config.layers();
        for (int layer : skippedLayers) {
            if (layer >= layers) {
                throw new IllegalArgumentException("skipped layer " + layer + " is outside the"
                        + " model's layers 0.." + (layers - 1));
            }
        }
        if (skippedLayers.size() == layers) {
            throw new IllegalArgumentException("the plan skips all " + layers
                    + " layers of the model");
        }
        if (exit instanceof ExitPolicy.Confidence confidence) {
            validate(confidence, layers);
        } else if (exit instanceof ExitPolicy.SelfSpeculative speculative) {
            validate(speculative, layers);
        }
    }

    private void validate(ExitPolicy.Confidence confidence, int layers) {
        for (int layer : confidence.thresholds().keySet()) {
            checkExitLayer("threshold layer", layer, layers - 1);
        }
        if (confidence.minExitLayer() < 0 || confidence.minExitLayer() >= layers) {
            throw new IllegalArgumentException("min_exit_layer " + confidence.minExitLayer()
                    + " is outside the model's layers 0.." + (layers - 1));
        }
    }

    private void validate(ExitPolicy.SelfSpeculative speculative, int layers) {
        int exitLayer = speculative.exitLayer();
        // Exiting at the last layer would leave nothing to verify with.
        checkExitLayer("exit layer", exitLayer, layers - 2);
        if (keptLayers(exitLayer + 1, layers).length == 0) {
            throw new IllegalArgumentException("every layer above exit layer " + exitLayer
                    + " is skipped, so nothing would verify the drafts");
        }
    }

    private void checkExitLayer(String what, int layer, int last) {
        if (layer < 0 || layer > last) {
            throw new IllegalArgumentException(what + " " + layer + " is outside 0.." + last);
        }
        if (skips(layer)) {
            throw new IllegalArgumentException(what + " " + layer + " is skipped by the plan");
        }
    }
}
