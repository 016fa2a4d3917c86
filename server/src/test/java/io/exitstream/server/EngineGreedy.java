package io.exitstream.server;

import io.exitstream.engine.ShippedModel;
import io.exitstream.engine.runtime.GenerationRequest;
import io.exitstream.engine.runtime.Generator;
import io.exitstream.engine.runtime.LlamaModel;
import io.exitstream.engine.sampling.SamplingParams;
import io.exitstream.engine.tokenizer.StreamingDecoder;
import io.exitstream.engine.tokenizer.Tokenizer;

/**
 * What the engine alone writes for a prompt, greedily, on the shipped model: the text the
 * server must send back over HTTP, whatever batching, streaming or framing it adds.
 */
final class EngineGreedy {

    private EngineGreedy() {
    }

    /** The greedy continuation of {@code prompt}, stopping at EOS or BOS as the server does. */
    static Continuation of(String prompt, int maxTokens) {
        Tokenizer tokenizer = ShippedModel.tokenizer();
        int[] ids = tokenizer.encode(prompt, true, false);
        try (LlamaModel model = LlamaModel.load(ShippedModel.weights());
                Generator generator = new Generator(model, 1,
                        model.config().contextLength())) {
            int[] generated = generator.generate(new GenerationRequest(ids,
                    SamplingParams.greedy(), maxTokens,
                    new int[] {tokenizer.eosId(), tokenizer.bosId()}), t -> { }).generated();
            StreamingDecoder decoder = new StreamingDecoder(tokenizer, ids[ids.length - 1]);
            StringBuilder text = new StringBuilder();
            for (int token : generated) {
                text.append(decoder.accept(token));
            }
            text.append(decoder.flush());
            return new Continuation(ids.length, generated.length, text.toString());
        }
    }

    /** A prompt's token count, and the tokens and text generated after it. */
    record Continuation(int promptTokens, int tokens, String text) {
    }
}
