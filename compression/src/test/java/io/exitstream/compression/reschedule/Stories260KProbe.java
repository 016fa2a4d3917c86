package io.exitstream.compression.reschedule;

import io.exitstream.engine.SharedFixtures;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;

/**
 * The real stories260K and a calibration probe over 4 sequences of 48 tokens it samples
 * itself, loaded once per test JVM (its exit frees them). Skips the test without ../shared.
 */
final class Stories260KProbe {

    private static CalibrationProbe probe;
    private static LlamaModel model;

    private Stories260KProbe() {
    }

    static synchronized CalibrationProbe probe() {
        if (probe == null) {
            Torch.setThreads(1);
            model = LlamaModel.load(ModelFormat.load(SharedFixtures.stories260K()));
            probe = new CalibrationProbe(model,
                    CalibrationSet.generate(model, 1, 4, 48));
        }
        return probe;
    }

    static int layers() {
        probe();
        return model.config().layers();
    }
}
