package io.exitstream.engine.checkpoint;

import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A Hugging Face Llama model directory: {@code config.json} plus {@code model.safetensors} or
 * shards with {@code model.safetensors.index.json}. The rows of {@code q_proj} and
 * {@code k_proj} are converted between HF's rotate-half RoPE order and llama2.c's adjacent pairs
 * (see {@link RopeLayout}). Tokenizer files are not read or written here.
 */
public final class HuggingFaceCheckpoint {

    /** The shard size limit of {@code save_pretrained} (decimal gigabytes, as there). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    private static final String EMBEDDING = "model.embed_tokens.weight";
    private static final String FINAL_NORM = "model.norm.weight";
    private static final String LM_HEAD = "lm_head.weight";
    private static final String ATTENTION_NORM = "input_layernorm.weight";
    private static final String WQ = "self_attn.q_proj.weight";
    private static final String WK = "self_attn.k_proj.weight";
    private static final String WV = "self_attn.v_proj.weight";
    private static final String WO = "self_attn.o_proj.weight";
    private static final String FFN_NORM = "post_attention_layernorm.weight";
    private static final String W1 = "mlp.gate_proj.weight";
    private static final String W2 = "mlp.down_proj.weight";
    private static final String W3 = "mlp.up_proj.weight";
    private static final List<String> LAYER_TENSORS =
            List.of(ATTENTION_NORM, WQ, WK, WV, WO, FFN_NORM, W1, W2, W3);

    private HuggingFaceCheckpoint() {
    }

    /** Reads and validates the model in directory {@code dir}. */
    public static LlamaWeights read(Path dir) {
        ModelConfig c = HuggingFaceConfig.read(dir);
        try (SafetensorsReader in = SafetensorsReader.open(dir)) {
            checkNoUnexpected(dir, in.names(), c);
            long d = c.dim();
            int layers = c.layers();
            float[] embedding = in.read(EMBEDDING, c.vocabSize(), d);
            float[][] attentionNorm = new float[layers][];
            float[][] wq = new float[layers][];
            float[][] wk = new float[layers][];
            float[][] wv = new float[layers][];
            float[][] wo = new float[layers][];
            float[][] ffnNorm = new float[layers][];
            float[][] w1 = new float[layers][];
            float[][] w2 = new float[layers][];
            float[][] w3 = new float[layers][];
            for (int l = 0; l < layers; l++) {
                long q = c.qDim(l);
                long kv = c.kvDim(l);
                long h = c.layer(l).hiddenDim();
                attentionNorm[l] = in.read(layer(l, ATTENTION_NORM), d);
                wq[l] = RopeLayout.toLlama2c(in.read(layer(l, WQ), q, d), c.layer(l).heads(),
                        c.headSize());
                wk[l] = RopeLayout.toLlama2c(in.read(layer(l, WK), kv, d),
                        c.layer(l).kvHeads(), c.headSize());
                wv[l] = in.read(layer(l, WV), kv, d);
                wo[l] = in.read(layer(l, WO), d, q);
                ffnNorm[l] = in.read(layer(l, FFN_NORM), d);
                w1[l] = in.read(layer(l, W1), h, d);
                w2[l] = in.read(layer(l, W2), d, h);
                w3[l] = in.read(layer(l, W3), h, d);
            }
            float[] finalNorm = in.read(FINAL_NORM, d);
            // A tied checkpoint may still store lm_head.weight; transformers ignores it too.
            float[] classifier = c.sharedClassifier() ? embedding
                    : in.read(LM_HEAD, c.vocabSize(), d);
            return new LlamaWeights(c, embedding, attentionNorm, wq, wk, wv, wo, ffnNorm, w1, w2,
                    w3, finalNorm, classifier);
        }
    }

    /** Writes {@code weights} to {@code dir} as {@code dtype}, sharding past 5 GB. */
    public static void write(LlamaWeights weights, Path dir, TensorDType dtype) {
        write(weights, dir, dtype, DEFAULT_MAX_SHARD_BYTES);
    }

    /**
     * Writes {@code config.json} and the weights as {@code dtype} to {@code dir}, in shards of at
     * most {@code maxShardBytes} when they do not fit in one file.
     */
    public static void write(LlamaWeights weights, Path dir, TensorDType dtype,
            long maxShardBytes) {
        CheckpointFiles.createDirectories(dir);
        HuggingFaceConfig.write(weights.config(), dtype, dir);
        SafetensorsWriter.write(tensors(weights), dir, dtype, maxShardBytes);
    }

    /**
     * Sets {@code bos_token_id} and {@code eos_token_id} in {@code dir/config.json} to the ids of
     * the tokenizer written beside it ({@link #write} writes llama2.c's 1 and 2), so that a
     * tokenizer without {@code <s>} and {@code </s>} finds its own.
     */
    public static void writeSpecialTokens(Path dir, int bos, int[] eos) {
        HuggingFaceConfig.writeSpecialTokens(dir, bos, eos);
    }

    private static List<NamedTensor> tensors(LlamaWeights w) {
        ModelConfig c = w.config();
        long d = c.dim();
        List<NamedTensor> tensors = new ArrayList<>();
        tensors.add(new NamedTensor(EMBEDDING, new long[] {c.vocabSize(), d}, w.tokenEmbedding()));
        for (int l = 0; l < c.layers(); l++) {
            long q = c.qDim(l);
            long kv = c.kvDim(l);
            long h = c.layer(l).hiddenDim();
            tensors.add(new NamedTensor(layer(l, ATTENTION_NORM), new long[] {d},
                    w.attentionNorm()[l]));
            tensors.add(new NamedTensor(layer(l, WQ), new long[] {q, d},
                    RopeLayout.toHuggingFace(w.wq()[l], c.layer(l).heads(), c.headSize())));
            tensors.add(new NamedTensor(layer(l, WK), new long[] {kv, d},
                    RopeLayout.toHuggingFace(w.wk()[l], c.layer(l).kvHeads(), c.headSize())));
            tensors.add(new NamedTensor(layer(l, WV), new long[] {kv, d}, w.wv()[l]));
            tensors.add(new NamedTensor(layer(l, WO), new long[] {d, q}, w.wo()[l]));
            tensors.add(new NamedTensor(layer(l, FFN_NORM), new long[] {d}, w.ffnNorm()[l]));
            tensors.add(new NamedTensor(layer(l, W1), new long[] {h, d}, w.w1()[l]));
            tensors.add(new NamedTensor(layer(l, W2), new long[] {d, h}, w.w2()[l]));
            tensors.add(new NamedTensor(layer(l, W3), new long[] {h, d}, w.w3()[l]));
        }
        tensors.add(new NamedTensor(FINAL_NORM, new long[] {d}, w.finalNorm()));
        if (!c.sharedClassifier()) {
            tensors.add(new NamedTensor(LM_HEAD, new long[] {c.vocabSize(), d}, w.classifier()));
        }
        return tensors;
    }

    /**
     * Fails on a tensor that a plain Llama model does not use (a bias, an extra layer): loading
     * such a checkpoint without it would compute something else. Old checkpoints' cached
     * {@code rotary_emb.inv_freq} is derived from the config and may be ignored.
     */
    private static void checkNoUnexpected(Path dir, Set<String> names, ModelConfig c) {
        Set<String> known = new HashSet<>(List.of(EMBEDDING, FINAL_NORM, LM_HEAD));
        for (int l = 0; l < c.layers(); l++) {
            for (String tensor : LAYER_TENSORS) {
                known.add(layer(l, tensor));
            }
        }
        names.stream().filter(n -> !known.contains(n) && !n.endsWith("rotary_emb.inv_freq"))
                .findFirst().ifPresent(n -> {
                    throw new CheckpointException(dir + ": unexpected tensor " + n + " for the "
                            + c.layers() + "-layer Llama model that config.json describes");
                });
    }

    private static String layer(int l, String tensor) {
        return "model.layers." + l + "." + tensor;
    }
}
