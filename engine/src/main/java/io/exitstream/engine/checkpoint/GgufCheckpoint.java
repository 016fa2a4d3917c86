package io.exitstream.engine.checkpoint;

import io.exitstream.engine.model.LayerShape;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.model.RopeScaling;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * A GGUF file of llama.cpp's {@code llama} architecture, read into and written from
 * {@link LlamaWeights}. Tensor names and metadata keys are llama.cpp's ({@code token_embd},
 * {@code blk.N.attn_q}, {@code llama.embedding_length}, ...). llama.cpp rotates adjacent pairs
 * for this architecture, so its converter permutes Hugging Face's {@code q_proj}/{@code k_proj}
 * rows back to Meta's order: the rows are already in our order (see {@link RopeLayout}). A
 * tied model has no {@code output.weight}. Scaled RoPE is {@code linear} in the metadata or,
 * for Llama 3's, a divisor per pair in {@code rope_freqs.weight}. Tokenizer metadata is handled by the tokenizer
 * package and handed in as metadata entries.
 */
public final class GgufCheckpoint {

    /** llama.cpp's {@code general.file_type} numbers ({@code enum llama_ftype}). */
    private static final Map<GgufType, Integer> FILE_TYPES = Map.of(
            GgufType.F32, 0, GgufType.F16, 1, GgufType.Q8_0, 7, GgufType.BF16, 32);
    private static final String ARCHITECTURE = "llama";
    private static final String EMBEDDING = "token_embd.weight";
    private static final String FINAL_NORM = "output_norm.weight";
    private static final String OUTPUT = "output.weight";
    private static final String ROPE_FREQS = "rope_freqs.weight";
    private static final String SCALING_TYPE = "llama.rope.scaling.type";
    private static final String SCALING_FACTOR = "llama.rope.scaling.factor";
    private static final List<String> LAYER_TENSORS = List.of("attn_norm", "attn_q", "attn_k",
            "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_down", "ffn_up");

    private GgufCheckpoint() {
    }

    /** Reads and validates the {@code llama} model in GGUF file {@code file}. */
    public static LlamaWeights read(Path file) {
        try (GgufReader in = GgufReader.open(file)) {
            ModelConfig c = config(in);
            checkNoUnexpected(in, c);
            long d = c.dim();
            int layers = c.layers();
            float[] embedding = in.read(EMBEDDING, c.vocabSize(), d);
            float[][][] t = new float[LAYER_TENSORS.size()][layers][];
            for (int l = 0; l < layers; l++) {
                long[][] shapes = layerShapes(c, l);
                for (int i = 0; i < shapes.length; i++) {
                    t[i][l] = in.read(layer(l, LAYER_TENSORS.get(i)), shapes[i]);
                }
            }
            float[] finalNorm = in.read(FINAL_NORM, d);
            float[] classifier = c.sharedClassifier() ? embedding
                    : in.read(OUTPUT, c.vocabSize(), d);
            return new LlamaWeights(c, embedding, t[0], t[1], t[2], t[3], t[4], t[5], t[6],
                    t[7], t[8], finalNorm, classifier);
        }
    }

    private static ModelConfig config(GgufReader in) {
        String architecture = in.string("general.architecture");
        if (architecture.equals("qwen2")) {
            throw new CheckpointException(in.file() + " is a qwen2 model, whose attention adds"
                    + " biases to q, k and v; the engine runs llama models only");
        }
        if (!architecture.equals(ARCHITECTURE)) {
            throw new CheckpointException(in.file() + " has the architecture " + architecture
                    + "; supported: " + ARCHITECTURE);
        }
        refuseIfPresent(in, "llama.expert_count", "mixture-of-experts layers");
        int dim = toInt(in, "llama.embedding_length", in.integer("llama.embedding_length"));
        int layers = toInt(in, "llama.block_count", in.integer("llama.block_count"));
        int[] heads = perLayer(in, "llama.attention.head_count", layers);
        int[] kvHeads = in.metadata().containsKey("llama.attention.head_count_kv")
                ? perLayer(in, "llama.attention.head_count_kv", layers) : heads;
        int[] hidden = perLayer(in, "llama.feed_forward_length", layers);
        int headSize = in.metadata().containsKey("llama.attention.key_length")
                ? toInt(in, "llama.attention.key_length", in.integer("llama.attention.key_length"))
                : dim / heads[0];
        long rotated = (long) in.number("llama.rope.dimension_count", headSize);
        if (rotated != headSize) {
            throw new CheckpointException(in.file() + ": llama.rope.dimension_count " + rotated
                    + " rotates part of each head of " + headSize + "; the engine rotates all");
        }
        long[] embedding = in.shape(EMBEDDING);
        if (embedding == null || embedding.length != 2) {
            throw new CheckpointException(in.file() + " lacks the 2-D tensor " + EMBEDDING);
        }
        int vocab = toInt(in, "llama.vocab_size", (long) in.number("llama.vocab_size",
                embedding[0]));
        List<LayerShape> shapes = new ArrayList<>();
        int maxHidden = 0;
        try {
            for (int l = 0; l < layers; l++) {
                shapes.add(new LayerShape(heads[l], kvHeads[l], hidden[l]));
                maxHidden = Math.max(maxHidden, hidden[l]);
            }
            int builtHeads = dim / headSize;
            int builtKvHeads = builtHeads / shapes.get(0).groupSize();
            return new ModelConfig(dim, maxHidden, layers, builtHeads, builtKvHeads, vocab,
                    toInt(in, "llama.context_length", in.integer("llama.context_length")),
                    in.shape(OUTPUT) == null,
                    (float) in.number("llama.attention.layer_norm_rms_epsilon",
                            ModelConfig.DEFAULT_NORM_EPS),
                    (float) in.number("llama.rope.freq_base", ModelConfig.DEFAULT_ROPE_THETA),
                    shapes, ropeScaling(in, headSize));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(in.file() + " describes an impossible model: "
                    + e.getMessage(), e);
        }
    }

    /**
     * RoPE scaling as llama.cpp stores it: {@code linear} with a factor in the metadata, or a
     * divisor per pair in {@code rope_freqs.weight} (how its converter writes Llama 3's).
     */
    private static RopeScaling ropeScaling(GgufReader in, int headSize) {
        Object type = in.metadata().getOrDefault(SCALING_TYPE, "none");
        boolean factors = in.shape(ROPE_FREQS) != null;
        if (type.equals("linear") && !factors) {
            return RopeScaling.linear(in.number(SCALING_FACTOR, Double.NaN));
        }
        if (!type.equals("none")) {
            throw new CheckpointException(in.file() + ": " + SCALING_TYPE + " " + type
                    + (factors ? " with " + ROPE_FREQS : "") + " changes the RoPE frequencies in"
                    + " a way not supported (only linear, or per-pair factors)");
        }
        if (!factors) {
            return RopeScaling.NONE;
        }
        List<Double> pairFactors = new ArrayList<>();
        for (float f : in.read(ROPE_FREQS, headSize / 2)) {
            pairFactors.add((double) f);
        }
        return RopeScaling.factors(pairFactors);
    }

    private static void refuseIfPresent(GgufReader in, String key, String what) {
        Object value = in.metadata().get(key);
        if (value != null && !(value instanceof Long n && n == 0)) {
            throw new CheckpointException(in.file() + ": " + key + " " + value + " asks for "
                    + what + ", which the engine does not implement");
        }
    }

    /** A count given once for every layer or as one value per layer. */
    private static int[] perLayer(GgufReader in, String key, int layers) {
        Object value = in.metadata().get(key);
        int[] values = new int[layers];
        if (value instanceof List<?> list) {
            if (list.size() != layers) {
                throw new CheckpointException(in.file() + ": " + key + " has " + list.size()
                        + " values for " + layers + " layers");
            }
            for (int l = 0; l < layers; l++) {
                values[l] = toInt(in, key, list.get(l) instanceof Long n ? n : -1);
            }
        } else {
            Arrays.fill(values, toInt(in, key, in.integer(key)));
        }
        return values;
    }

    private static int toInt(GgufReader in, String key, long value) {
        if (value <= 0 || value > Integer.MAX_VALUE) {
            throw new CheckpointException(in.file() + ": " + key + " is " + value
                    + ", not a positive count");
        }
        return (int) value;
    }

    /** Fails on a tensor a plain Llama model does not use: a bias, {@code rope_freqs}, ... */
    private static void checkNoUnexpected(GgufReader in, ModelConfig c) {
        Set<String> known = new HashSet<>(List.of(EMBEDDING, FINAL_NORM, OUTPUT, ROPE_FREQS));
        for (int l = 0; l < c.layers(); l++) {
            for (String tensor : LAYER_TENSORS) {
                known.add(layer(l, tensor));
            }
        }
        in.names().stream().filter(n -> !known.contains(n)).findFirst().ifPresent(n -> {
            throw new CheckpointException(in.file() + ": unexpected tensor " + n + " for the "
                    + c.layers() + "-layer llama model its metadata describes");
        });
    }

    /**
     * Writes {@code weights} to {@code file} with matrices as {@code dtype} (norms stay F32, and
     * a matrix whose rows do not split into Q8_0 blocks is F16, as llama.cpp's converter does),
     * then the {@code tokenizer} metadata entries.
     */
    public static void write(LlamaWeights weights, Path file, GgufType dtype, String name,
            Map<String, Object> tokenizer) {
        ModelConfig c = weights.config();
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("general.architecture", ARCHITECTURE);
        metadata.put("general.name", name);
        metadata.put("general.file_type", FILE_TYPES.get(dtype));
        metadata.put("llama.vocab_size", c.vocabSize());
        metadata.put("llama.context_length", c.contextLength());
        metadata.put("llama.embedding_length", c.dim());
        metadata.put("llama.block_count", c.layers());
        metadata.put("llama.feed_forward_length", perLayer(c, LayerShape::hiddenDim));
        metadata.put("llama.attention.head_count", perLayer(c, LayerShape::heads));
        metadata.put("llama.attention.head_count_kv", perLayer(c, LayerShape::kvHeads));
        metadata.put("llama.attention.key_length", c.headSize());
        metadata.put("llama.attention.value_length", c.headSize());
        metadata.put("llama.rope.dimension_count", c.headSize());
        metadata.put("llama.rope.freq_base", c.ropeTheta());
        metadata.put("llama.attention.layer_norm_rms_epsilon", c.normEps());
        if (c.ropeScaling().type() == RopeScaling.Type.LINEAR) {
            metadata.put(SCALING_TYPE, "linear");
            metadata.put(SCALING_FACTOR, (float) c.ropeScaling().factor());
        }
        metadata.putAll(tokenizer);
        List<GgufWriter.Entry> tensors = new ArrayList<>();
        for (NamedTensor t : tensors(weights)) {
            long row = t.shape()[t.shape().length - 1];
            GgufType type = t.shape().length == 1 ? GgufType.F32
                    : row % dtype.blockSize() == 0 ? dtype : GgufType.F16;
            tensors.add(new GgufWriter.Entry(t, type));
        }
        GgufWriter.write(file, metadata, tensors);
    }

    /** One value when every layer has it, else one per layer, as llama.cpp reads both. */
    private static Object perLayer(ModelConfig c, ToIntFunction<LayerShape> value) {
        int[] values = c.layerShapes().stream().mapToInt(value).toArray();
        boolean same = Arrays.stream(values).allMatch(v -> v == values[0]);
        return same ? (Object) values[0] : values;
    }

    private static List<NamedTensor> tensors(LlamaWeights w) {
        ModelConfig c = w.config();
        long d = c.dim();
        List<NamedTensor> tensors = new ArrayList<>();
        tensors.add(new NamedTensor(EMBEDDING, new long[] {c.vocabSize(), d}, w.tokenEmbedding()));
        for (int l = 0; l < c.layers(); l++) {
            float[][] values = {w.attentionNorm()[l], w.wq()[l], w.wk()[l], w.wv()[l], w.wo()[l],
                w.ffnNorm()[l], w.w1()[l], w.w2()[l], w.w3()[l]};
            long[][] shapes = layerShapes(c, l);
            for (int i = 0; i < values.length; i++) {
                tensors.add(new NamedTensor(layer(l, LAYER_TENSORS.get(i)), shapes[i],
                        values[i]));
            }
        }
        tensors.add(new NamedTensor(FINAL_NORM, new long[] {d}, w.finalNorm()));
        if (!c.sharedClassifier()) {
            tensors.add(new NamedTensor(OUTPUT, new long[] {c.vocabSize(), d}, w.classifier()));
        }
        RopeScaling.Type scaling = c.ropeScaling().type();
        if (scaling == RopeScaling.Type.LLAMA3 || scaling == RopeScaling.Type.FACTORS) {
            tensors.add(new NamedTensor(ROPE_FREQS, new long[] {c.headSize() / 2},
                    pairFactors(c)));
        }
        return tensors;
    }

    /** What divides each pair's plain inverse frequency: how llama.cpp applies scaling. */
    private static float[] pairFactors(ModelConfig c) {
        float[] factors = new float[c.headSize() / 2];
        for (int j = 0; j < factors.length; j++) {
            double plain = 1.0 / Math.pow(c.ropeTheta(), 2.0 * j / c.headSize());
            factors[j] = (float) (plain / c.ropeInverseFrequency(j));
        }
        return factors;
    }

    /** The shapes of block {@code l}'s tensors, in the order of {@code LAYER_TENSORS}. */
    private static long[][] layerShapes(ModelConfig c, int l) {
        long d = c.dim();
        long q = c.qDim(l);
        long kv = c.kvDim(l);
        long h = c.layer(l).hiddenDim();
        return new long[][] {{d}, {q, d}, {kv, d}, {kv, d}, {d, q}, {d}, {h, d}, {d, h}, {h, d}};
    }

    private static String layer(int l, String tensor) {
        return "blk." + l + "." + tensor + ".weight";
    }
}
