package io.exitstream.compression.reschedule;

import io.exitstream.compression.Corpus;
import io.exitstream.compression.PlanEvaluator;
import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;

/**
 * The real shipped model ({@link ShippedModel}) with a gate evaluator and a draft probe on 4
 * sequences of up to 48 tokens it samples itself, loaded once per test JVM (its exit frees
 * them).
 */
final class ShippedModelProbe {

    private static LlamaModel model;
    private static PlanEvaluator evaluator;
    private static DraftProbe drafts;

    private ShippedModelProbe() {
    }

    static synchronized LlamaModel model() {
        if (model == null) {
            Torch.setThreads(1);
            model = LlamaModel.load(ShippedModel.weights());
            Corpus corpus = Corpus.generate(model, ShippedModel.tokenizer(), 4, 48, 0);
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
