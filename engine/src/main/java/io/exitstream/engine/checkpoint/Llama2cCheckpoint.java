package io.exitstream.engine.checkpoint;

import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import java.nio.IntBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * llama2.c's legacy {@code .bin} checkpoint (its export "version 0", the one {@code run.c}
 * reads): seven little-endian int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
 * vocab_size, seq_len; a negative vocab_size means a separate classifier), then float32 tensors
 * (see {@code ../shared/models/README.md}). The file size must be exactly what the header
 * implies, which catches truncated files and files of another format.
 */
public final class Llama2cCheckpoint {

    static final int HEADER_BYTES = 7 * Integer.BYTES;
    /** "ak42": the magic of llama2.c's later (version 1 and 2) exports, which run.c cannot read. */
    private static final int VERSIONED_MAGIC = 0x616b3432;
    private static final String[] FIELDS =
            {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
    /** Far above any real model; a field beyond its bound means the header is garbage. */
    private static final int[] FIELD_MAX =
            {1 << 16, 1 << 20, 1 << 12, 1 << 12, 1 << 12, 1 << 24, 1 << 24};
    private static final int VOCAB_FIELD = 5;

    private Llama2cCheckpoint() {
    }

    /** Reads and validates {@code file}; a {@link CheckpointException} says what is wrong. */
    public static LlamaWeights read(Path file) {
        try (TensorReader in = TensorReader.open(file)) {
            ModelConfig config = readHeader(in);
            checkSize(in, config);
            return readWeights(in, config);
        }
    }

    /**
     * Writes {@code weights} to {@code file}, computing the legacy RoPE tables. Java's correctly
     * rounded sin/cos differ in the last bit from PyTorch's float32 ones for a few percent of the
     * entries, so re-writing an unchanged model is byte-identical only with
     * {@link #write(LlamaWeights, Path, Path)}. run.c skips the tables either way.
     */
    public static void write(LlamaWeights weights, Path file) {
        write(weights, file, ropeTables(weights.config()));
    }

    /**
     * Writes {@code weights} to {@code file}, copying the legacy RoPE tables from
     * {@code ropeTablesFrom}, a llama2.c checkpoint with the same head size and seq_len (usually
     * the file the weights came from), so that an unchanged model is written back byte for byte.
     */
    public static void write(LlamaWeights weights, Path file, Path ropeTablesFrom) {
        ModelConfig config = weights.config();
        float[] tables;
        try (TensorReader in = TensorReader.open(ropeTablesFrom)) {
            ModelConfig source = readHeader(in);
            checkSize(in, source);
            if (source.headSize() != config.headSize()
                    || source.contextLength() != config.contextLength()) {
                throw new CheckpointException(String.format(Locale.ROOT,
                        "%s: its RoPE tables are for head size %d and seq_len %d, but the model"
                                + " has head size %d and seq_len %d", ropeTablesFrom,
                        source.headSize(), source.contextLength(), config.headSize(),
                        config.contextLength()));
            }
            long classifier = source.sharedClassifier() ? 0 : embeddingFloats(source);
            long position = HEADER_BYTES + Float.BYTES * (source.parameterCount() - classifier);
            tables = in.floats(position, ropeTableFloats(source), TensorDType.F32, "rope tables");
        }
        write(weights, file, tables);
    }

    private static void write(LlamaWeights weights, Path file, float[] ropeTables) {
        ModelConfig c = weights.config();
        // run.c hard-codes these; writing other values would silently change the model.
        if (c.normEps() != ModelConfig.DEFAULT_NORM_EPS
                || c.ropeTheta() != ModelConfig.DEFAULT_ROPE_THETA) {
            throw new CheckpointException(String.format(Locale.ROOT,
                    "cannot write %s: the llama2.c format fixes rms_norm_eps 1e-5 and rope_theta"
                            + " 10000, but this model has %s and %s; write a Hugging Face"
                            + " directory instead", file, c.normEps(), c.ropeTheta()));
        }
        if (!c.uniform()) {
            throw new CheckpointException("cannot write " + file + ": the llama2.c format has one"
                    + " head count and one FFN width for every layer, but this pruned model's"
                    + " layers differ (" + c.layerShapes() + "); write a Hugging Face"
                    + " directory instead");
        }
        try (TensorWriter out = TensorWriter.create(file)) {
            out.ints(c.dim(), c.hiddenDim(), c.layers(), c.heads(), c.kvHeads(),
                    c.sharedClassifier() ? c.vocabSize() : -c.vocabSize(), c.contextLength());
            out.floats(weights.tokenEmbedding(), TensorDType.F32);
            for (float[][] tensor : List.of(weights.attentionNorm(), weights.wq(), weights.wk(),
                    weights.wv(), weights.wo(), weights.ffnNorm(), weights.w1(), weights.w2(),
                    weights.w3())) {
                for (float[] layer : tensor) {
                    out.floats(layer, TensorDType.F32);
                }
            }
            out.floats(weights.finalNorm(), TensorDType.F32);
            out.floats(ropeTables, TensorDType.F32);
            if (!c.sharedClassifier()) {
                out.floats(weights.classifier(), TensorDType.F32);
            }
        }
    }

    /**
     * Whether {@code file} starts like a llama2.c checkpoint (a plausible legacy header, or the
     * magic of a later export): lets {@link ModelFormat} tell "wrong kind of file" from "damaged
     * checkpoint".
     */
    static boolean hasHeader(Path file) {
        try (TensorReader in = TensorReader.open(file)) {
            if (in.size() < HEADER_BYTES) {
                return false;
            }
            int[] header = headerFields(in);
            return header[0] == VERSIONED_MAGIC || headerProblem(header) == null;
        }
    }

    /**
     * llama2.c's legacy freq_cis_real then freq_cis_imag tables: cos and sin of
     * {@code pos * theta^(-2i/head_size)}, computed in float32 as its export did.
     */
    static float[] ropeTables(ModelConfig c) {
        int half = c.headSize() / 2;
        int perTable = c.contextLength() * half;
        float[] tables = new float[2 * perTable];
        for (int i = 0; i < half; i++) {
            float frequency = 1f / (float) Math.pow(c.ropeTheta(), (float) (2 * i) / c.headSize());
            for (int pos = 0; pos < c.contextLength(); pos++) {
                float angle = pos * frequency;
                tables[pos * half + i] = (float) Math.cos(angle);
                tables[perTable + pos * half + i] = (float) Math.sin(angle);
            }
        }
        return tables;
    }

    private static ModelConfig readHeader(TensorReader in) {
        if (in.size() < HEADER_BYTES) {
            throw new CheckpointException(in.file() + " has " + in.size() + " bytes, fewer than"
                    + " the " + HEADER_BYTES + "-byte header: not a llama2.c checkpoint");
        }
        int[] h = headerFields(in);
        if (h[0] == VERSIONED_MAGIC) {
            throw new CheckpointException(in.file() + ": llama2.c version " + h[1] + " export"
                    + " (magic ak42) is not supported; export with --version 0 (legacy format)");
        }
        String problem = headerProblem(h);
        if (problem != null) {
            throw new CheckpointException(in.file() + ": " + problem
                    + ": not a llama2.c checkpoint");
        }
        try {
            return ModelConfig.llama2c(h[0], h[1], h[2], h[3], h[4], Math.abs(h[VOCAB_FIELD]),
                    h[6], h[VOCAB_FIELD] > 0);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(in.file() + ": header is not a valid model shape: "
                    + e.getMessage(), e);
        }
    }

    private static int[] headerFields(TensorReader in) {
        IntBuffer ints = in.bytes(0, HEADER_BYTES).asIntBuffer();
        int[] fields = new int[FIELDS.length];
        ints.get(fields);
        return fields;
    }

    /** Why {@code header} cannot be a legacy header, or null when every field is plausible. */
    private static String headerProblem(int[] header) {
        for (int i = 0; i < FIELDS.length; i++) {
            // Math.abs(Integer.MIN_VALUE) stays negative and so is caught too.
            int value = i == VOCAB_FIELD ? Math.abs(header[i]) : header[i];
            if (value < 1 || value > FIELD_MAX[i]) {
                return String.format(Locale.ROOT, "header field %s is %d, outside %s1..%,d",
                        FIELDS[i], header[i], i == VOCAB_FIELD ? "±" : "", FIELD_MAX[i]);
            }
        }
        return null;
    }

    private static void checkSize(TensorReader in, ModelConfig c) {
        long expected = fileBytes(c);
        long actual = in.size();
        if (actual == expected) {
            return;
        }
        ModelConfig flipped = ModelConfig.llama2c(c.dim(), c.hiddenDim(), c.layers(), c.heads(),
                c.kvHeads(), c.vocabSize(), c.contextLength(), !c.sharedClassifier());
        if (actual == fileBytes(flipped)) {
            throw new CheckpointException(String.format(Locale.ROOT,
                    "%s: the header's vocab_size says the classifier is %s (%,d bytes), but the"
                            + " file has %,d bytes, as if it were %s: the sign of vocab_size is"
                            + " wrong", in.file(), sharing(c), expected, actual, sharing(flipped)));
        }
        String verdict = actual < expected ? "truncated or not a llama2.c checkpoint"
                : String.format(Locale.ROOT, "%,d bytes too many: not a llama2.c legacy checkpoint",
                        actual - expected);
        throw new CheckpointException(String.format(Locale.ROOT,
                "%s: header says %d layers of dim %d (%,d bytes) but the file has %,d bytes: %s",
                in.file(), c.layers(), c.dim(), expected, actual, verdict));
    }

    private static String sharing(ModelConfig c) {
        return c.sharedClassifier() ? "shared with the embedding" : "separate";
    }

    private static long fileBytes(ModelConfig c) {
        return HEADER_BYTES + Float.BYTES * (c.parameterCount() + ropeTableFloats(c));
    }

    private static long embeddingFloats(ModelConfig c) {
        return (long) c.vocabSize() * c.dim();
    }

    /** Both legacy tables: seq_len * head_size / 2 floats each. */
    private static long ropeTableFloats(ModelConfig c) {
        return (long) c.contextLength() * c.headSize();
    }

    private static LlamaWeights readWeights(TensorReader in, ModelConfig c) {
        Cursor at = new Cursor(in);
        long d = c.dim();
        long kv = c.kvDim();
        long h = c.hiddenDim();
        int layers = c.layers();
        float[] embedding = at.next(embeddingFloats(c), "token_embedding");
        float[][] attentionNorm = at.layers(layers, d, "rms_att");
        float[][] wq = at.layers(layers, d * d, "wq");
        float[][] wk = at.layers(layers, kv * d, "wk");
        float[][] wv = at.layers(layers, kv * d, "wv");
        float[][] wo = at.layers(layers, d * d, "wo");
        float[][] ffnNorm = at.layers(layers, d, "rms_ffn");
        float[][] w1 = at.layers(layers, h * d, "w1");
        float[][] w2 = at.layers(layers, d * h, "w2");
        float[][] w3 = at.layers(layers, h * d, "w3");
        float[] finalNorm = at.next(d, "rms_final");
        // The legacy RoPE tables: the engine computes RoPE itself.
        at.skip(ropeTableFloats(c));
        float[] classifier = c.sharedClassifier() ? embedding
                : at.next(embeddingFloats(c), "classifier");
        return new LlamaWeights(c, embedding, attentionNorm, wq, wk, wv, wo, ffnNorm, w1, w2, w3,
                finalNorm, classifier);
    }

    /** Reads the float32 tensors one after another, as the format stores them. */
    private static final class Cursor {
        private final TensorReader in;
        private long position = HEADER_BYTES;

        Cursor(TensorReader in) {
            this.in = in;
        }

        float[] next(long count, String tensor) {
            float[] values = in.floats(position, count, TensorDType.F32, tensor);
            skip(count);
            return values;
        }

        float[][] layers(int layers, long count, String tensor) {
            float[][] values = new float[layers][];
            for (int l = 0; l < layers; l++) {
                values[l] = next(count, tensor + "[" + l + "]");
            }
            return values;
        }

        void skip(long floats) {
            position += Float.BYTES * floats;
        }
    }
}
