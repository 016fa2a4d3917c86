package io.exitstream.engine.checkpoint;

import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Models of Llama-2 shape with random weights, for benchmarks and for tests that need a model
 * of realistic size but not a trained one. The named shapes are those of
 * {@code ../shared/BASELINES.md}: vocabulary 32000, classifier shared with the embedding, as many
 * KV heads as heads. Weights are normal with standard deviation 0.02, RMSNorm weights are 1.
 */
public final class SyntheticModels {

    public static final int VOCAB_SIZE = 32000;
    public static final double WEIGHT_STD = 0.02;
    private static final Map<String, ModelConfig> NAMED = new LinkedHashMap<>();
    private static final String CUSTOM_SYNTAX =
            "dim=D,hidden=H,layers=L,heads=N[,kv_heads=K][,vocab=V][,seq=S]";
    private static final List<String> REQUIRED_FIELDS = List.of("dim", "hidden", "layers", "heads");
    private static final Set<String> FIELDS =
            Set.of("dim", "hidden", "layers", "heads", "kv_heads", "vocab", "seq");
    /** Values per generator: small enough to spread over cores, large enough to be cheap. */
    private static final int CHUNK = 1 << 20;

    static {
        NAMED.put("s15M", llama2Shape(288, 768, 6, 6, VOCAB_SIZE, 256));
        NAMED.put("s42M", llama2Shape(512, 1376, 8, 8, VOCAB_SIZE, 1024));
        NAMED.put("s110M", llama2Shape(768, 2048, 12, 12, VOCAB_SIZE, 1024));
    }

    private SyntheticModels() {
    }

    /** The named shapes, smallest first. */
    public static List<String> names() {
        return List.copyOf(NAMED.keySet());
    }

    /**
     * A named shape ({@code s15M}, {@code s42M}, {@code s110M}) or a custom one written
     * {@code dim=D,hidden=H,layers=L,heads=N[,kv_heads=K][,vocab=V][,seq=S]} (kv_heads defaults
     * to heads, vocab to 32000, seq to 1024).
     */
    public static ModelConfig shape(String spec) {
        ModelConfig named = NAMED.get(spec);
        if (named != null) {
            return named;
        }
        if (!spec.contains("=")) {
            throw new IllegalArgumentException("unknown synthetic shape " + spec + "; use one of "
                    + String.join(", ", NAMED.keySet()) + " or " + CUSTOM_SYNTAX);
        }
        Map<String, Integer> fields = new HashMap<>(Map.of("vocab", VOCAB_SIZE, "seq", 1024));
        for (String part : spec.split(",")) {
            String[] keyValue = part.trim().split("=", 2);
            String key = keyValue[0];
            if (keyValue.length != 2 || !FIELDS.contains(key)) {
                throw new IllegalArgumentException("bad synthetic shape field '" + part
                        + "'; write " + CUSTOM_SYNTAX);
            }
            try {
                fields.put(key, Integer.parseInt(keyValue[1].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + " must be an integer, got '"
                        + keyValue[1] + "'", e);
            }
        }
        for (String required : REQUIRED_FIELDS) {
            if (!fields.containsKey(required)) {
                throw new IllegalArgumentException("synthetic shape " + spec + " has no "
                        + required + "; write " + CUSTOM_SYNTAX);
            }
        }
        int heads = fields.get("heads");
        return ModelConfig.llama2c(fields.get("dim"), fields.get("hidden"), fields.get("layers"),
                heads, fields.getOrDefault("kv_heads", heads), fields.get("vocab"),
                fields.get("seq"), true);
    }

    /** Random weights of shape {@code c}; the same seed gives the same weights. */
    public static LlamaWeights random(ModelConfig c, long seed) {
        Gaussians gaussians = new Gaussians();
        int d = c.dim();
        int layers = c.layers();
        float[] embedding = gaussians.tensor((long) c.vocabSize() * d);
        float[][] wq = gaussians.layers(layers, (long) d * d);
        float[][] wk = gaussians.layers(layers, (long) c.kvDim() * d);
        float[][] wv = gaussians.layers(layers, (long) c.kvDim() * d);
        float[][] wo = gaussians.layers(layers, (long) d * d);
        float[][] w1 = gaussians.layers(layers, (long) c.hiddenDim() * d);
        float[][] w2 = gaussians.layers(layers, (long) d * c.hiddenDim());
        float[][] w3 = gaussians.layers(layers, (long) c.hiddenDim() * d);
        float[] classifier = c.sharedClassifier() ? embedding
                : gaussians.tensor((long) c.vocabSize() * d);
        gaussians.fill(seed);
        return new LlamaWeights(c, embedding, ones(layers, d), wq, wk, wv, wo, ones(layers, d),
                w1, w2, w3, ones(1, d)[0], classifier);
    }

    private static ModelConfig llama2Shape(int dim, int hidden, int layers, int heads, int vocab,
            int seq) {
        return ModelConfig.llama2c(dim, hidden, layers, heads, heads, vocab, seq, true);
    }

    private static float[][] ones(int layers, int length) {
        float[][] ones = new float[layers][length];
        for (float[] layer : ones) {
            Arrays.fill(layer, 1f);
        }
        return ones;
    }

    /** Allocates tensors, then fills them all with N(0, WEIGHT_STD) on all cores. */
    private static final class Gaussians {
        private final List<float[]> tensors = new ArrayList<>();

        float[] tensor(long length) {
            float[] tensor = new float[Math.toIntExact(length)];
            tensors.add(tensor);
            return tensor;
        }

        float[][] layers(int layers, long length) {
            float[][] values = new float[layers][];
            for (int l = 0; l < layers; l++) {
                values[l] = tensor(length);
            }
            return values;
        }

        /**
         * Each chunk gets its own generator, split off the seeded root in a fixed order, so the
         * values depend on the seed alone, not on how the chunks are scheduled.
         */
        void fill(long seed) {
            SplittableRandom root = new SplittableRandom(seed);
            List<Runnable> chunks = new ArrayList<>();
            for (float[] tensor : tensors) {
                for (int from = 0; from < tensor.length; from += CHUNK) {
                    SplittableRandom random = root.split();
                    int start = from;
                    int end = Math.min(tensor.length, from + CHUNK);
                    chunks.add(() -> {
                        for (int i = start; i < end; i++) {
                            tensor[i] = (float) (random.nextGaussian() * WEIGHT_STD);
                        }
                    });
                }
            }
            chunks.parallelStream().forEach(Runnable::run);
        }
    }
}
