package io.exitstream.engine.checkpoint;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.exitstream.engine.model.LayerShape;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.model.RopeScaling;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToIntFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A Hugging Face {@code config.json} for the Llama family, read into a {@link ModelConfig} and
 * written from one. RoPE scaling of type {@code linear} and {@code llama3} (Llama 3.1 and later)
 * is read; anything else that would make the model compute differently from Llama (other
 * scaled RoPE, sliding windows, biases, experts, another activation) is rejected, not ignored.
 *
 * <p>A pruned model whose layers differ in head count or FFN width keeps the Llama fields for
 * the model as built (they fix the head size, also written as {@code head_dim}) and lists each
 * layer's widths in {@code num_attention_heads_per_layer}, {@code num_key_value_heads_per_layer}
 * and {@code intermediate_size_per_layer}. Transformers' {@code LlamaConfig} does not know these
 * keys, so such a checkpoint loads here but not there.
 */
final class HuggingFaceConfig {

    static final String FILE = "config.json";
    /** Mistral checkpoints use Llama's tensor names and layout; sliding windows are checked. */
    private static final List<String> ARCHITECTURES =
            List.of("LlamaForCausalLM", "MistralForCausalLM");
    // Hugging Face's LlamaConfig defaults for optional fields.
    private static final int DEFAULT_CONTEXT = 2048;
    private static final double DEFAULT_NORM_EPS = 1e-6;
    private static final double DEFAULT_ROPE_THETA = 10000;
    // llama2.c's tokenizers, like Llama 2's, use these ids; generation reads them from here.
    private static final int BOS_ID = 1;
    private static final int EOS_ID = 2;
    private static final String HEADS_PER_LAYER = "num_attention_heads_per_layer";
    private static final String KV_HEADS_PER_LAYER = "num_key_value_heads_per_layer";
    private static final String FFN_WIDTH_PER_LAYER = "intermediate_size_per_layer";

    private final Path file;
    private final JsonObject json;

    private HuggingFaceConfig(Path file, JsonObject json) {
        this.file = file;
        this.json = json;
    }

    /** Reads {@code dir/config.json}. */
    static ModelConfig read(Path dir) {
        Path file = dir.resolve(FILE);
        return new HuggingFaceConfig(file, CheckpointFiles.readJson(file)).toModelConfig();
    }

    /** Writes {@code dir/config.json} for {@code c}, with weights stored as {@code dtype}. */
    static void write(ModelConfig c, TensorDType dtype, Path dir) {
        JsonObject json = new JsonObject();
        JsonArray architectures = new JsonArray();
        architectures.add(ARCHITECTURES.get(0));
        json.add("architectures", architectures);
        json.addProperty("model_type", "llama");
        json.addProperty("hidden_size", c.dim());
        json.addProperty("intermediate_size", c.hiddenDim());
        json.addProperty("num_hidden_layers", c.layers());
        json.addProperty("num_attention_heads", c.heads());
        json.addProperty("num_key_value_heads", c.kvHeads());
        json.addProperty("vocab_size", c.vocabSize());
        json.addProperty("max_position_embeddings", c.contextLength());
        // Via the float's shortest decimal, so that 1e-5f is written as 1.0E-5, not 9.99E-6.
        json.addProperty("rms_norm_eps", Double.parseDouble(Float.toString(c.normEps())));
        json.addProperty("rope_theta", Double.parseDouble(Float.toString(c.ropeTheta())));
        if (c.ropeScaling().type() == RopeScaling.Type.FACTORS) {
            throw new CheckpointException("config.json has no rope_scaling for llama.cpp's"
                    + " per-pair RoPE frequency factors (rope_freqs.weight); keep this model"
                    + " in GGUF");
        }
        if (c.ropeScaling().type() != RopeScaling.Type.NONE) {
            json.add("rope_scaling", ropeScaling(c.ropeScaling()));
        }
        json.addProperty("tie_word_embeddings", c.sharedClassifier());
        json.addProperty("hidden_act", "silu");
        json.addProperty("torch_dtype", dtype.torchName());
        json.addProperty("bos_token_id", BOS_ID);
        json.addProperty("eos_token_id", EOS_ID);
        if (!c.uniform()) {
            json.addProperty("head_dim", c.headSize());
            json.add(HEADS_PER_LAYER, perLayer(c, LayerShape::heads));
            json.add(KV_HEADS_PER_LAYER, perLayer(c, LayerShape::kvHeads));
            json.add(FFN_WIDTH_PER_LAYER, perLayer(c, LayerShape::hiddenDim));
        }
        CheckpointFiles.writeJson(dir.resolve(FILE), json);
    }

    private ModelConfig toModelConfig() {
        checkArchitecture();
        int heads = integer("num_attention_heads", null);
        int dim = integer("hidden_size", null);
        int context = integer("max_position_embeddings", DEFAULT_CONTEXT);
        int headSize = heads > 0 ? dim / heads : 0;
        int headDim = integer("head_dim", headSize);
        if (headDim != headSize) {
            throw fail("head_dim " + headDim + " differs from hidden_size / num_attention_heads = "
                    + headSize + "; not supported");
        }
        int window = integer("sliding_window", context);
        if (window < context) {
            throw fail("sliding_window " + window + " is shorter than max_position_embeddings "
                    + context + "; sliding-window attention is not supported");
        }
        requireValue("hidden_act", "silu");
        requireValue("attention_bias", "false");
        requireValue("mlp_bias", "false");
        // Mixture-of-experts keys (Mixtral's, Qwen-MoE's): experts are not implemented.
        for (String key : List.of("num_local_experts", "num_experts", "num_experts_per_tok")) {
            requireValue(key, "0");
        }
        int hidden = integer("intermediate_size", null);
        int layers = integer("num_hidden_layers", null);
        int kvHeads = integer("num_key_value_heads", heads);
        try {
            ModelConfig asBuilt = new ModelConfig(dim, hidden, layers, heads, kvHeads,
                    integer("vocab_size", null), context, bool("tie_word_embeddings"),
                    (float) number(json, "rms_norm_eps", DEFAULT_NORM_EPS), (float) ropeTheta(),
                    null, ropeScaling(context));
            if (Stream.of(HEADS_PER_LAYER, KV_HEADS_PER_LAYER, FFN_WIDTH_PER_LAYER)
                    .allMatch(key -> field(json, key) == null)) {
                return asBuilt;
            }
            int[] layerHeads = perLayer(HEADS_PER_LAYER, layers, heads);
            int[] layerKvHeads = perLayer(KV_HEADS_PER_LAYER, layers, kvHeads);
            int[] layerWidths = perLayer(FFN_WIDTH_PER_LAYER, layers, hidden);
            List<LayerShape> shapes = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                shapes.add(new LayerShape(layerHeads[l], layerKvHeads[l], layerWidths[l]));
            }
            return asBuilt.withLayerShapes(shapes);
        } catch (IllegalArgumentException e) {
            throw fail(e.getMessage());
        }
    }

    /** Rewrites {@code dir/config.json} with these BOS and EOS ids (a list when several). */
    static void writeSpecialTokens(Path dir, int bos, int[] eos) {
        Path file = dir.resolve(FILE);
        JsonObject json = CheckpointFiles.readJson(file);
        json.addProperty("bos_token_id", bos);
        if (eos.length == 1) {
            json.addProperty("eos_token_id", eos[0]);
        } else {
            JsonArray ids = new JsonArray();
            Arrays.stream(eos).forEach(ids::add);
            json.add("eos_token_id", ids);
        }
        CheckpointFiles.writeJson(file, json);
    }

    private static JsonObject ropeScaling(RopeScaling scaling) {
        JsonObject o = new JsonObject();
        o.addProperty("rope_type", scaling.type().name().toLowerCase(Locale.ROOT));
        o.addProperty("factor", scaling.factor());
        if (scaling.type() == RopeScaling.Type.LLAMA3) {
            o.addProperty("low_freq_factor", scaling.lowFreqFactor());
            o.addProperty("high_freq_factor", scaling.highFreqFactor());
            o.addProperty("original_max_position_embeddings", scaling.originalContext());
        }
        return o;
    }

    private static JsonArray perLayer(ModelConfig c, ToIntFunction<LayerShape> width) {
        JsonArray array = new JsonArray();
        for (int l = 0; l < c.layers(); l++) {
            array.add(width.applyAsInt(c.layer(l)));
        }
        return array;
    }

    /** The per-layer list at {@code key}, one integer per layer; every layer {@code all} if absent. */
    private int[] perLayer(String key, int layers, int all) {
        JsonElement value = field(json, key);
        if (value == null) {
            return IntStream.generate(() -> all).limit(layers).toArray();
        }
        if (!value.isJsonArray() || value.getAsJsonArray().size() != layers) {
            throw fail(key + " must list one integer per layer (" + layers + "), got " + value);
        }
        int[] values = new int[layers];
        for (int l = 0; l < layers; l++) {
            JsonElement v = value.getAsJsonArray().get(l);
            try {
                values[l] = new BigDecimal(numberText(key, v)).intValueExact();
            } catch (ArithmeticException e) {
                throw fail(key + " must list integers, got " + v);
            }
        }
        return values;
    }

    private void checkArchitecture() {
        JsonElement architectures = field(json, "architectures");
        String found = architectures == null ? "none"
                : architectures.isJsonArray() && architectures.getAsJsonArray().size() == 1
                ? text(architectures.getAsJsonArray().get(0)) : architectures.toString();
        if (!ARCHITECTURES.contains(found)) {
            throw new CheckpointException("unknown architecture " + found + " in " + file
                    + "; supported: " + String.join(", ", ARCHITECTURES));
        }
    }

    /**
     * RoPE's base. Older files say {@code rope_theta} and {@code rope_scaling}; transformers 5
     * nests both in {@code rope_parameters}.
     */
    private double ropeTheta() {
        JsonObject parameters = ropeObject("rope_parameters");
        if (parameters != null && parameters.has("rope_theta")) {
            return number(parameters, "rope_theta", DEFAULT_ROPE_THETA);
        }
        return number(json, "rope_theta", DEFAULT_ROPE_THETA);
    }

    /**
     * How RoPE's frequencies are stretched: {@code linear} and {@code llama3}; any other type
     * (yarn, dynamic, longrope, ...) is refused, naming it.
     */
    private RopeScaling ropeScaling(int context) {
        for (String key : List.of("rope_scaling", "rope_parameters")) {
            JsonObject o = ropeObject(key);
            JsonElement type = o == null ? null : o.has("rope_type") ? o.get("rope_type")
                    : o.get("type");
            String name = type == null ? "default" : text(type);
            switch (name) {
                case "default" -> {
                    continue;
                }
                case "linear" -> {
                    return RopeScaling.linear(number(o, "factor", Double.NaN));
                }
                case "llama3" -> {
                    return RopeScaling.llama3(number(o, "factor", Double.NaN),
                            number(o, "low_freq_factor", 1), number(o, "high_freq_factor", 4),
                            (int) number(o, "original_max_position_embeddings", context));
                }
                default -> throw fail(key + " of type " + name + " changes the RoPE"
                        + " frequencies in a way not supported (only linear and llama3)");
            }
        }
        return RopeScaling.NONE;
    }

    /** The object at {@code key}; null when absent; an error when it is not an object. */
    private JsonObject ropeObject(String key) {
        JsonElement rope = field(json, key);
        if (rope != null && !rope.isJsonObject()) {
            throw fail(key + " must be an object, got " + rope);
        }
        return rope == null ? null : rope.getAsJsonObject();
    }

    /** Fails unless {@code key} is absent or its value, as text, is {@code expected}. */
    private void requireValue(String key, String expected) {
        JsonElement value = field(json, key);
        if (value != null && !text(value).equals(expected)) {
            throw fail(key + " " + value + " is not supported (only " + expected + ")");
        }
    }

    /** The integer at {@code key}; {@code fallback} when absent, or an error when null. */
    private int integer(String key, Integer fallback) {
        JsonElement value = field(json, key);
        if (value == null) {
            if (fallback == null) {
                throw fail("missing " + key);
            }
            return fallback;
        }
        try {
            return new BigDecimal(numberText(key, value)).intValueExact();
        } catch (ArithmeticException e) {
            throw fail(key + " must be an integer, got " + value);
        }
    }

    private double number(JsonObject o, String key, double fallback) {
        JsonElement value = field(o, key);
        return value == null ? fallback : Double.parseDouble(numberText(key, value));
    }

    private boolean bool(String key) {
        JsonElement value = field(json, key);
        if (value == null) {
            return false;
        }
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isBoolean()) {
            throw fail(key + " must be true or false, got " + value);
        }
        return value.getAsBoolean();
    }

    private String numberText(String key, JsonElement value) {
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()) {
            throw fail(key + " must be a number, got " + value);
        }
        return value.getAsString();
    }

    /** A primitive's text without JSON quotes; anything else as JSON. */
    private static String text(JsonElement value) {
        return value.isJsonPrimitive() ? value.getAsString() : value.toString();
    }

    /** The value at {@code key}; null when absent or JSON null (both mean "the default"). */
    private static JsonElement field(JsonObject o, String key) {
        JsonElement value = o.get(key);
        return value == null || value.isJsonNull() ? null : value;
    }

    private CheckpointException fail(String problem) {
        return new CheckpointException(file + ": " + problem);
    }
}
