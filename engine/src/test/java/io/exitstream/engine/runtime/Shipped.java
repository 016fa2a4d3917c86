package io.exitstream.engine.runtime;

import io.exitstream.engine.ShippedModel;
import java.util.Arrays;

/**
 * The repository's own model as the runtime tests use it: loaded once in float32, with the text
 * its full model writes greedily after BOS, which plans that must not change the output are
 * compared with. (That the full model itself is right is checked against the reference outputs
 * in {@code ../shared}, by the golden tests.)
 */
final class Shipped {

    /** Layers of the shipped model; the last is {@code LAYERS - 1}. */
    static final int LAYERS = 8;
    static final int LAST = LAYERS - 1;
    /** Its BOS id ({@code bos_token_id} in its config.json). */
    static final int BOS = 0;
    static final int[] BOS_PROMPT = {BOS};
    private static final int GREEDY_LENGTH = 200;

    private static LlamaModel model;
    private static int[] greedy;

    private Shipped() {
    }

    /** The model in float32, shared by every test that gives it no exit heads of its own. */
    static synchronized LlamaModel model() {
        if (model == null) {
            model = LlamaModel.load(ShippedModel.weights());
        }
        return model;
    }

    /** The first {@code n} (at most 200) tokens the full model writes greedily after BOS. */
    static synchronized int[] greedyIds(int n) {
        if (greedy == null) {
            try (Generator generator = new Generator(model(), 1, 256)) {
                greedy = generator.generate(Requests.greedy(BOS_PROMPT, GREEDY_LENGTH), t -> { })
                        .generated();
            }
        }
        return Arrays.copyOf(greedy, n);
    }

    /** Where {@code token} first occurs in the greedy text: a stop token ends it there. */
    static int firstGreedyIndexOf(int token) {
        int[] ids = greedyIds(GREEDY_LENGTH);
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == token) {
                return i;
            }
        }
        throw new IllegalArgumentException(token + " is not in the greedy text");
    }

    /** BOS then the first {@code n} greedy ids: a text the full model would write. */
    static int[] greedyText(int n) {
        int[] ids = greedyIds(n);
        int[] tokens = new int[n + 1];
        tokens[0] = BOS;
        System.arraycopy(ids, 0, tokens, 1, n);
        return tokens;
    }
}
