package io.exitstream.compression;

import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.runtime.Torch;
import io.exitstream.engine.tokenizer.StreamingDecoder;
import io.exitstream.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The model the repository ships ({@link ShippedModel}) and corpora made from it, loaded once
 * for every test that only reads them (the JVM's exit frees them). Every checkout has it, so
 * the tests using it run on a fresh clone.
 */
public final class Stories {

    private static LlamaModel model;
    private static Corpus generated;

    private Stories() {
    }

    public static LlamaWeights weights() {
        return ShippedModel.weights();
    }

    public static synchronized LlamaModel model() {
        if (model == null) {
            Torch.setThreads(1);
            model = LlamaModel.load(weights());
        }
        return model;
    }

    public static Tokenizer tokenizer() {
        return ShippedModel.tokenizer();
    }

    /** The model's number of layers, which a plan that skips nothing runs for every token. */
    public static int layers() {
        return weights().config().layers();
    }

    /** 24 sequences of up to 128 tokens the model wrote itself (seed 7). */
    public static synchronized Corpus generated() {
        if (generated == null) {
            generated = Corpus.generate(model(), tokenizer(), 24, 128, 7);
        }
        return generated;
    }

    /**
     * The first {@code count} of {@link #generated()}'s sequences as text, one story each: real
     * children's stories are in {@code ../shared} only, and these read like them.
     */
    public static List<String> texts(int count) {
        List<String> texts = new ArrayList<>();
        for (int[] sequence : generated().sequences().subList(0, count)) {
            StreamingDecoder decoder = new StreamingDecoder(tokenizer());
            StringBuilder text = new StringBuilder();
            // A story ends at EOS, which is no text.
            for (int i = 1; i < sequence.length && sequence[i] != tokenizer().eosId(); i++) {
                text.append(decoder.accept(sequence[i]));
            }
            texts.add(text.append(decoder.flush()).toString().strip());
        }
        return texts;
    }
}
