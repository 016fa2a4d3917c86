package io.exitstream.engine.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.RopeScaling;
import io.exitstream.engine.runtime.KvCache;
import io.exitstream.engine.runtime.LlamaModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Llama-3.x-shaped Hugging Face directory written here, tensors in Hugging Face's layout and
 * {@code config.json} as Meta's files have it (rope_theta 500000, llama3 rope_scaling,
 * explicit head_dim, tied embeddings, several EOS ids): the engine's logits match a float64
 * forward pass written below from transformers' formulas (rotate-half RoPE on the HF rows,
 * llama3 frequency scaling, grouped-query attention, SwiGLU, RMSNorm).
 */
class Llama3ConfigTest {

    private static final int DIM = 64;
    private static final int HIDDEN = 96;
    private static final int LAYERS = 2;
    private static final int HEADS = 4;
    private static final int KV_HEADS = 2;
    private static final int HEAD_DIM = DIM / HEADS;
    private static final int VOCAB = 80;
    private static final int CONTEXT = 256;
    private static final double THETA = 500000;
    private static final double EPS = 1e-5;
    // With head_dim 16 the wavelengths are 6.3, 32.5, 169, ...: against an original context of
    // 64 (low 64/1, high 64/4 = 16) the first pair is kept, the second blended, the rest scaled.
    private static final double FACTOR = 8;
    private static final double LOW = 1;
    private static final double HIGH = 4;
    private static final int ORIGINAL_CONTEXT = 64;
    private static final int[] PROMPT = {3, 17, 42, 5, 79, 11, 23, 64, 8, 30, 2, 51, 19, 7, 60,
        33, 41, 12, 9, 70};

    @TempDir
    Path dir;

    @Test
    void logitsMatchAFloat64ForwardPassWithLlama3RopeScaling() throws IOException {
        Map<String, float[]> hf = writeLlama3(dir, ropeScaling("llama3"));

        LlamaWeights weights = ModelFormat.load(dir);
        float[] engine;
        try (LlamaModel model = LlamaModel.load(weights); KvCache cache = model.newCache(1, 32)) {
            engine = model.prefill(cache, 0, 0, PROMPT);
        }

        assertThat(weights.config().ropeScaling())
                .isEqualTo(RopeScaling.llama3(FACTOR, LOW, HIGH, ORIGINAL_CONTEXT));
        assertThat(weights.config().ropeTheta()).isEqualTo(500000f);
        double[] expected = forward(hf, true);
        assertThat(maxDifference(engine, expected)).isLessThan(1e-4);
        // The scaling matters at these positions: unscaled RoPE gives other logits.
        assertThat(maxDifference(engine, forward(hf, false))).isGreaterThan(1e-2);
    }

    @Test
    void ggufKeepsLlama3ScalingAsLlamaCppsPerPairFactors() throws IOException {
        Map<String, float[]> hf = writeLlama3(dir, ropeScaling("llama3"));
        Path gguf = dir.resolve("llama3.gguf");
        GgufCheckpoint.write(ModelFormat.load(dir), gguf, GgufType.F32, "llama3", Map.of());

        LlamaWeights weights = ModelFormat.load(gguf);
        float[] engine;
        try (LlamaModel model = LlamaModel.load(weights); KvCache cache = model.newCache(1, 32)) {
            engine = model.prefill(cache, 0, 0, PROMPT);
        }

        try (GgufReader in = GgufReader.open(gguf)) {
            float[] factors = in.read("rope_freqs.weight", HEAD_DIM / 2);
            assertThat(factors[0]).isEqualTo(1f);
            assertThat(factors[1]).isBetween(1f, (float) FACTOR);
            assertThat(factors[2]).isEqualTo((float) FACTOR);
        }
        assertThat(weights.config().ropeScaling().type()).isEqualTo(RopeScaling.Type.FACTORS);
        assertThat(maxDifference(engine, forward(hf, true))).isLessThan(1e-4);
        assertThatThrownBy(() -> HuggingFaceCheckpoint.write(weights, dir.resolve("back"),
                TensorDType.F32)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("keep this model in GGUF");
    }

    @Test
    void linearScalingDividesEveryFrequency() throws IOException {
        writeLlama3(dir, ropeScaling("linear"));

        RopeScaling scaling = ModelFormat.load(dir).config().ropeScaling();

        assertThat(scaling).isEqualTo(RopeScaling.linear(FACTOR));
        assertThat(scaling.scale(3, 0.5)).isEqualTo(0.5 / FACTOR);
        Path gguf = dir.resolve("linear.gguf");
        GgufCheckpoint.write(ModelFormat.load(dir), gguf, GgufType.F32, "linear", Map.of());
        assertThat(ModelFormat.load(gguf).config().ropeScaling()).isEqualTo(scaling);
    }

    @Test
    void refusesWhatChangesTheMathNamingIt() throws IOException {
        Path config = dir.resolve("config.json");
        List<String[]> cases = List.of(
                new String[] {"\"rope_scaling\": {\"rope_type\": \"dynamic\", \"factor\": 2.0}",
                    "rope_scaling of type dynamic changes the RoPE frequencies in a way not"
                            + " supported (only linear and llama3)"},
                new String[] {"\"mlp_bias\": true", "mlp_bias true is not supported"},
                new String[] {"\"attention_bias\": true", "attention_bias true is not supported"},
                new String[] {"\"num_local_experts\": 8", "num_local_experts 8 is not supported"},
                new String[] {"\"head_dim\": 32", "head_dim 32 differs from hidden_size"});
        for (String[] c : cases) {
            writeLlama3(dir, c[0]);
            assertThatThrownBy(() -> ModelFormat.load(dir))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageStartingWith(config + ": " + c[1])
                    .message().doesNotContain("\n");
        }
    }

    private static String ropeScaling(String type) {
        return "\"rope_scaling\": {\"factor\": " + FACTOR + ", \"low_freq_factor\": " + LOW
                + ", \"high_freq_factor\": " + HIGH + ", \"original_max_position_embeddings\": "
                + ORIGINAL_CONTEXT + ", \"rope_type\": \"" + type + "\"}";
    }

    /**
     * Writes config.json (Llama 3.2's keys, {@code extra} added, a later key overriding an
     * earlier one as JSON parsers do) and random weights in Hugging Face's layout.
     */
    static Map<String, float[]> writeLlama3(Path dir, String extra) throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"],"
                + " \"model_type\": \"llama\", \"attention_bias\": false, \"mlp_bias\": false,"
                + " \"attention_dropout\": 0.0, \"bos_token_id\": 0, \"eos_token_id\": [1, 2],"
                + " \"head_dim\": " + HEAD_DIM + ", \"hidden_act\": \"silu\", \"hidden_size\": "
                + DIM + ", \"initializer_range\": 0.02, \"intermediate_size\": " + HIDDEN + ","
                + " \"max_position_embeddings\": " + CONTEXT + ", \"num_attention_heads\": "
                + HEADS + ", \"num_hidden_layers\": " + LAYERS + ", \"num_key_value_heads\": "
                + KV_HEADS + ", \"pretraining_tp\": 1, \"rms_norm_eps\": " + EPS + ","
                + " \"rope_theta\": 500000.0, \"tie_word_embeddings\": true,"
                + " \"torch_dtype\": \"float32\", \"use_cache\": true, \"vocab_size\": " + VOCAB
                + ", " + extra + "}");
        Random random = new Random(3);
        Map<String, float[]> tensors = new HashMap<>();
        List<NamedTensor> named = new ArrayList<>();
        add(named, tensors, random, "model.embed_tokens.weight", 1.0, VOCAB, DIM);
        for (int l = 0; l < LAYERS; l++) {
            String p = "model.layers." + l + ".";
            add(named, tensors, random, p + "input_layernorm.weight", -1, DIM);
            // Large enough that attention is sharp and RoPE's angles change the output.
            add(named, tensors, random, p + "self_attn.q_proj.weight", 0.5, HEADS * HEAD_DIM, DIM);
            add(named, tensors, random, p + "self_attn.k_proj.weight", 0.5, KV_HEADS * HEAD_DIM,
                    DIM);
            add(named, tensors, random, p + "self_attn.v_proj.weight", 0.2, KV_HEADS * HEAD_DIM,
                    DIM);
            add(named, tensors, random, p + "self_attn.o_proj.weight", 0.2, DIM, HEADS * HEAD_DIM);
            add(named, tensors, random, p + "post_attention_layernorm.weight", -1, DIM);
            add(named, tensors, random, p + "mlp.gate_proj.weight", 0.2, HIDDEN, DIM);
            add(named, tensors, random, p + "mlp.up_proj.weight", 0.2, HIDDEN, DIM);
            add(named, tensors, random, p + "mlp.down_proj.weight", 0.2, DIM, HIDDEN);
        }
        add(named, tensors, random, "model.norm.weight", -1, DIM);
        SafetensorsWriter.writeFile(named, dir.resolve("model.safetensors"), TensorDType.F32);
        return tensors;
    }

    /** Gaussian values of standard deviation {@code std}, or norm weights near 1 when negative. */
    private static void add(List<NamedTensor> named, Map<String, float[]> tensors, Random random,
            String name, double std, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (std < 0 ? 1 + 0.1 * random.nextGaussian()
                    : std * random.nextGaussian());
        }
        tensors.put(name, values);
        named.add(new NamedTensor(name, Arrays.stream(shape).asLongStream().toArray(),
                values));
    }

    /** Transformers' Llama forward pass in float64; the last position's logits. */
    private static double[] forward(Map<String, float[]> w, boolean scaled) {
        int n = PROMPT.length;
        double[][] x = new double[n][DIM];
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < DIM; i++) {
                x[t][i] = w.get("model.embed_tokens.weight")[PROMPT[t] * DIM + i];
            }
        }
        double[] invFreq = new double[HEAD_DIM / 2];
        for (int i = 0; i < invFreq.length; i++) {
            invFreq[i] = 1.0 / Math.pow(THETA, 2.0 * i / HEAD_DIM);
            if (scaled) {
                invFreq[i] = llama3(invFreq[i]);
            }
        }
        for (int l = 0; l < LAYERS; l++) {
            String p = "model.layers." + l + ".";
            double[][] q = new double[n][];
            double[][] k = new double[n][];
            double[][] v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] h = rmsNorm(x[t], w.get(p + "input_layernorm.weight"));
                q[t] = rope(matVec(w.get(p + "self_attn.q_proj.weight"), h), t, invFreq);
                k[t] = rope(matVec(w.get(p + "self_attn.k_proj.weight"), h), t, invFreq);
                v[t] = matVec(w.get(p + "self_attn.v_proj.weight"), h);
            }
            for (int t = 0; t < n; t++) {
                double[] attention = new double[HEADS * HEAD_DIM];
                for (int head = 0; head < HEADS; head++) {
                    int kvHead = head / (HEADS / KV_HEADS);
                    double[] scores = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= t; s++) {
                        for (int i = 0; i < HEAD_DIM; i++) {
                            scores[s] += q[t][head * HEAD_DIM + i] * k[s][kvHead * HEAD_DIM + i];
                        }
                        scores[s] /= Math.sqrt(HEAD_DIM);
                        max = Math.max(max, scores[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s <= t; s++) {
                        scores[s] = Math.exp(scores[s] - max);
                        sum += scores[s];
                    }
                    for (int s = 0; s <= t; s++) {
                        for (int i = 0; i < HEAD_DIM; i++) {
                            attention[head * HEAD_DIM + i] +=
                                    scores[s] / sum * v[s][kvHead * HEAD_DIM + i];
                        }
                    }
                }
                add(x[t], matVec(w.get(p + "self_attn.o_proj.weight"), attention));
            }
            for (int t = 0; t < n; t++) {
                double[] h = rmsNorm(x[t], w.get(p + "post_attention_layernorm.weight"));
                double[] gate = matVec(w.get(p + "mlp.gate_proj.weight"), h);
                double[] up = matVec(w.get(p + "mlp.up_proj.weight"), h);
                for (int i = 0; i < HIDDEN; i++) {
                    gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                }
                add(x[t], matVec(w.get(p + "mlp.down_proj.weight"), gate));
            }
        }
        // Tied: the LM head is the embedding.
        return matVec(w.get("model.embed_tokens.weight"),
                rmsNorm(x[n - 1], w.get("model.norm.weight")));
    }

    /** transformers' _compute_llama3_parameters for one inverse frequency. */
    private static double llama3(double invFreq) {
        double wavelength = 2 * Math.PI / invFreq;
        double lowWavelength = ORIGINAL_CONTEXT / LOW;
        double highWavelength = ORIGINAL_CONTEXT / HIGH;
        double scaled = wavelength > lowWavelength ? invFreq / FACTOR : invFreq;
        double smooth = (ORIGINAL_CONTEXT / wavelength - LOW) / (HIGH - LOW);
        boolean medium = !(wavelength < highWavelength) && !(wavelength > lowWavelength);
        return medium ? (1 - smooth) * scaled / FACTOR + smooth * scaled : scaled;
    }

    /** Rotate-half RoPE on every head of {@code x}: element i pairs with i + head_dim/2. */
    private static double[] rope(double[] x, int position, double[] invFreq) {
        double[] out = new double[x.length];
        int half = HEAD_DIM / 2;
        for (int head = 0; head < x.length / HEAD_DIM; head++) {
            for (int i = 0; i < half; i++) {
                double cos = Math.cos(position * invFreq[i]);
                double sin = Math.sin(position * invFreq[i]);
                int a = head * HEAD_DIM + i;
                int b = a + half;
                out[a] = x[a] * cos - x[b] * sin;
                out[b] = x[b] * cos + x[a] * sin;
            }
        }
        return out;
    }

    private static double[] rmsNorm(double[] x, float[] weight) {
        double sum = 0;
        for (double v : x) {
            sum += v * v;
        }
        double scale = 1 / Math.sqrt(sum / x.length + EPS);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale * weight[i];
        }
        return out;
    }

    /** {@code w [rows, x.length]} times {@code x}. */
    private static double[] matVec(float[] w, double[] x) {
        double[] out = new double[w.length / x.length];
        for (int r = 0; r < out.length; r++) {
            for (int c = 0; c < x.length; c++) {
                out[r] += w[r * x.length + c] * x[c];
            }
        }
        return out;
    }

    private static void add(double[] x, double[] delta) {
        for (int i = 0; i < x.length; i++) {
            x[i] += delta[i];
        }
    }

    private static double maxDifference(float[] actual, double[] expected) {
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(actual[i] - expected[i]));
        }
        return max;
    }
}
