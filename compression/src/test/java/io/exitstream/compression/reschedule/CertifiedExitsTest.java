package io.exitstream.compression.reschedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.exitstream.compression.Corpus;
import io.exitstream.compression.PlanEvaluator;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.exits.ExitHeads;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;
import io.exitstream.engine.tokenizer.TokenizerFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Confidence exits certified on the repository's own model and its shipped exit heads. */
class CertifiedExitsTest {

    /** models/exitstream-stories-8L, found by walking up from the working directory. */
    private static Path shippedModel() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path model = dir.resolve("models/exitstream-stories-8L");
            if (Files.exists(model.resolve("config.json"))) {
                return model;
            }
        }
        throw new AssertionError("models/exitstream-stories-8L not found above "
                + Path.of("").toAbsolutePath());
    }

    @Test
    void theGateCertifiesAThresholdAtItsAgreementBudgetOnTheShippedExitHeads() {
        Path dir = shippedModel();
        LlamaWeights weights = ModelFormat.load(dir);
        Torch.setThreads(1);
        try (LlamaModel model = LlamaModel.load(weights)) {
            model.useExitHeads(ExitHeads.read(ExitHeads.pathFor(dir)));
            Corpus corpus = Corpus.generate(model,
                    TokenizerFiles.load(dir, null, weights.config().vocabSize()), 3, 64, 0);
            try (PlanEvaluator gateText = new PlanEvaluator(model, corpus)) {
                Optional<CertifiedExits> certified = CertifiedExits.certify(gateText,
                        weights.finalNorm(), 0.7);

                assertThat(certified).as("a threshold certified at agreement 0.7").isPresent();
                CertifiedExits exits = certified.get();
                assertThat(exits.quality().agreement()).isGreaterThanOrEqualTo(0.7);
                // It exits early, at layers with heads, never at the last layer.
                assertThat(exits.meanLayers()).isLessThan(weights.config().layers());
                assertThat(exits.policy().thresholds().keySet()).isNotEmpty()
                        .allSatisfy(layer -> assertThat(layer)
                                .isLessThan(weights.config().layers() - 1));
            }
        }
    }
}
