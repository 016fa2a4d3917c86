package io.exitstream.compression.reschedule;

import io.exitstream.compression.Corpus;
import io.exitstream.compression.PlanEvaluator;
import io.exitstream.engine.SharedFixtures;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;
import io.exitstream.engine.tokenizer.TokenizerFiles;

/**
 * The real stories260K with a gate evaluator and a draft probe on 4 sequences of up to 48
 * tokens it samples itself, loaded once per test JVM (its exit frees them). Skips the test
 * without ../shared.
 */
final class Stories260KProbe {

    private static LlamaModel model;
    private static PlanEvaluator evaluator;
    private static DraftProbe drafts;

    private Stories260KProbe() {
    }

    static synchronized LlamaModel model() {
        if (model == null) {
            Torch.setThreads(1);
            LlamaWeights weights = ModelFormat.load(SharedFixtures.stories260K());
            model = LlamaModel.load(weights);
            Corpus corpus = Corpus.generate(model, TokenizerFiles.load(
                    SharedFixtures.stories260K(), null, weights.config().vocabSize()), 4, 48, 0);
            evaluator = new PlanEvaluator(model, corpus);
            drafts = new DraftProbe(model, corpus);
        }
        return model;
    }

    static PlanEvaluator evaluator() {
        model();
        return evaluator;
    }

    static DraftProbe drafts() {
        model();
        return drafts;
    }
}
