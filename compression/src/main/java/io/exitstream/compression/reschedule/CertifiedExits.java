package io.exitstream.compression.reschedule;

import io.exitstream.compression.PlanEvaluator;
import io.exitstream.compression.Progress;
import io.exitstream.compression.ThresholdCalibration;
import io.exitstream.engine.plan.ExitPolicy;
import io.exitstream.engine.runtime.LlamaModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Confidence exits the re-scheduler may propose: the most lenient threshold that Learn-then-Test
 * certifies (as {@code exitstream calibrate} does, {@link ThresholdCalibration}) at the gate's
 * agreement budget on its held calibration text, at every layer the model has an exit head for.
 *
 * @param policy the certified exits (the full model's layers: no layer skipped)
 * @param meanLayers layers a token runs under them on the calibration text, for the cost model
 * @param quality what the calibration measured at the certified threshold
 */
public record CertifiedExits(ExitPolicy.Confidence policy, double meanLayers,
        PlanEvaluator.Quality quality) {

    /** The error level of the certification: the agreement holds with probability 95 %. */
    public static final double DELTA = 0.05;

    /**
     * Certifies on the evaluator's text; empty when the model has no exit head below its last
     * layer, or no candidate threshold passes.
     *
     * @param finalNorm the model's final norm weight (for the never-exits shortcut)
     */
    public static Optional<CertifiedExits> certify(PlanEvaluator gateText, float[] finalNorm,
            double minAgreement) {
        LlamaModel model = gateText.model();
        int layers = model.config().layers();
        List<Integer> exitLayers = new ArrayList<>(model.exitHeads().byLayer().keySet());
        exitLayers.removeIf(layer -> layer >= layers - 1);
        if (exitLayers.isEmpty() || !(minAgreement > 0 && minAgreement < 1)) {
            return Optional.empty();
        }
        ThresholdCalibration.Result result = ThresholdCalibration.calibrate(gateText, finalNorm,
                exitLayers, exitLayers.get(0),
                new ThresholdCalibration.Target(minAgreement, DELTA), 0, Progress.NONE);
        if (result.plan() == null) {
            return Optional.empty();
        }
        ThresholdCalibration.Test chosen = result.tests().stream()
                .filter(ThresholdCalibration.Test::passed)
                .reduce((first, second) -> second).orElseThrow();
        return Optional.of(new CertifiedExits((ExitPolicy.Confidence) result.plan().exit(),
                chosen.quality().meanLayers(), chosen.quality()));
    }
}
