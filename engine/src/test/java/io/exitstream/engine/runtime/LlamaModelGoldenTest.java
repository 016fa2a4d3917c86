package io.exitstream.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.exitstream.engine.SharedFixtures;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LlamaModelGoldenTest {

    @Test
    void greedyFromBosReproducesGoldenIdsAndLogits() throws IOException {
        JsonObject golden = SharedFixtures.golden();
        JsonArray ids = golden.getAsJsonArray("greedy_ids");
        JsonArray logits4 = golden.getAsJsonArray("logits_first4_steps");
        try (LlamaModel model = LlamaModel.load(scratchRead(SharedFixtures.stories260K()));
                KvCache cache = model.newCache(1, 512)) {
            int slot = cache.acquire();
            float[] logits = model.prefill(cache, slot, 0, new int[] {1});
            int vocab = model.config().vocabSize();
            for (int pos = 0; pos < ids.size(); pos++) {
                if (pos < 4) {
                    JsonArray expected = logits4.get(pos).getAsJsonArray();
                    for (int v = 0; v < vocab; v++) {
                        assertThat(logits[v]).as("logit %d at position %d", v, pos)
                                .isCloseTo(expected.get(v).getAsFloat(), within(1e-4f));
                    }
                }
                int next = argmax(logits);
                assertThat(next).as("token at position %d", pos).isEqualTo(ids.get(pos).getAsInt());
                if (pos + 1 < ids.size()) {
                    logits = model.decode(cache, new int[] {slot}, new int[] {pos + 1},
                            new int[] {next});
                }
            }
        }
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    static LlamaWeights scratchRead(Path path) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        int dim = b.getInt(), hidden = b.getInt(), layers = b.getInt(), heads = b.getInt(),
                kvHeads = b.getInt(), vocab = b.getInt(), seq = b.getInt();
        boolean shared = vocab > 0;
        vocab = Math.abs(vocab);
        ModelConfig c = ModelConfig.llama2c(dim, hidden, layers, heads, kvHeads, vocab, seq, shared);
        float[] emb = f(b, vocab * dim);
        float[][] an = f(b, layers, dim), wq = f(b, layers, dim * dim),
                wk = f(b, layers, c.kvDim() * dim), wv = f(b, layers, c.kvDim() * dim),
                wo = f(b, layers, dim * dim), fn = f(b, layers, dim), w1 = f(b, layers, hidden * dim),
                w2 = f(b, layers, dim * hidden), w3 = f(b, layers, hidden * dim);
        float[] fin = f(b, dim);
        b.position(b.position() + seq * c.headSize() * 4);
        float[] cls = shared ? emb : f(b, vocab * dim);
        return new LlamaWeights(c, emb, an, wq, wk, wv, wo, fn, w1, w2, w3, fin, cls);
    }

    static float[][] f(ByteBuffer b, int n, int len) {
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = f(b, len);
        }
        return out;
    }

    static float[] f(ByteBuffer b, int len) {
        float[] out = new float[len];
        b.asFloatBuffer().get(out);
        b.position(b.position() + len * 4);
        return out;
    }
}
