package io.exitstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.exitstream.engine.SharedFixtures;
import io.exitstream.engine.sampling.SamplingParams;
import io.exitstream.engine.tokenizer.StreamingDecoder;
import io.exitstream.engine.tokenizer.Tokenizer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** run.c's prompted greedy runs: same text, token for token, through encode, generate, decode. */
class PromptedGoldenTest {

    @ParameterizedTest
    @EnumSource(Stories260K.class)
    void promptedCasesReproduceRunCText(Stories260K format) {
        try (LlamaModel model = LlamaModel.load(format.weights());
                Generator generator = new Generator(model, 1, 512)) {
            Tokenizer tokenizer = format.tokenizer();
            for (JsonElement element : SharedFixtures.golden().getAsJsonArray("prompted")) {
                JsonObject c = element.getAsJsonObject();
                String prompt = c.get("prompt").getAsString();
                int[] ids = tokenizer.encode(prompt, true, false);
                // run.c -n counts every position, BOS and prompt included; the last position's
                // output is printed too, hence the + 1. It stops early on BOS.
                int maxTokens = c.get("total_positions").getAsInt() - ids.length + 1;
                StringBuilder text = new StringBuilder(prompt);
                StreamingDecoder decoder = new StreamingDecoder(tokenizer, ids[ids.length - 1]);
                generator.generate(new GenerationRequest(ids, SamplingParams.greedy(), maxTokens,
                        new int[] {tokenizer.bosId()}), t -> text.append(decoder.accept(t)));
                text.append(decoder.flush());
                assertThat(text.toString()).isEqualTo(c.get("greedy_text").getAsString());
            }
        }
    }
}
