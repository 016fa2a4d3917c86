package io.exitstream.compression;

import io.exitstream.engine.SharedFixtures;
import io.exitstream.engine.checkpoint.ModelFormat;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;
import io.exitstream.engine.tokenizer.Tokenizer;
import io.exitstream.engine.tokenizer.TokenizerFiles;

/**
 * stories260K and corpora made from it, loaded once for every test that only reads them (the
 * JVM's exit frees them). Tests using it skip when {@code ../shared} is absent.
 */
final class Stories {

    private static LlamaWeights weights;
    private static LlamaModel model;
    private static Corpus generated;

    private Stories() {
    }

    static synchronized LlamaWeights weights() {
        if (weights == null) {
            weights = ModelFormat.load(SharedFixtures.stories260K());
        }
        return weights;
    }

    static synchronized LlamaModel model() {
        if (model == null) {
            Torch.setThreads(1);
            model = LlamaModel.load(weights());
        }
        return model;
    }

    static Tokenizer tokenizer() {
        return TokenizerFiles.load(SharedFixtures.stories260K(), null, 512);
    }

    /** 24 sequences of up to 128 tokens the model wrote itself (seed 7). */
    static synchronized Corpus generated() {
        if (generated == null) {
            generated = Corpus.generate(model(), tokenizer(), 24, 128, 7);
        }
        return generated;
    }
}
