package io.exitstream.compression.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.exitstream.engine.model.LayerShape;
import io.exitstream.engine.model.LlamaWeights;
import io.exitstream.engine.model.ModelConfig;
import io.exitstream.engine.runtime.BfloatMatmul;
import io.exitstream.engine.runtime.CausalAttention;
import java.util.ArrayList;
import java.util.List;

/**
 * A Llama decoder written with DJL operations, op by op, so that PyTorch's autograd can train
 * it and a {@link Probe} can watch the activations every pruning criterion needs. The serving
 * engine runs the same computation as one TorchScript program; this one is for offline work on
 * whole sequences (no KV cache), in float32, or with its matrix products in bfloat16
 * ({@link MatmulPrecision}) where speed matters more than the last bits.
 *
 * <p>Matrices are held transposed, {@code [in, out]}, so that every operation of a pass has an
 * activation as its first operand: DJL puts a result in its first operand's manager, and so all
 * of a pass's tensors land in the pass's scope. {@link #toWeights()} turns them back into the
 * engine's layout ({@link LlamaWeights}: {@code [out, in]}, llama2.c RoPE pairs).
 */
public final class TorchLlama implements AutoCloseable {

    /** Where in the forward pass an activation was seen. */
    public enum Site {
        /** The residual stream entering layer {@code l}; {@code l == layers} is the last one. */
        RESIDUAL,
        /** The normed input of the q, k and v projections, {@code [batch, tokens, dim]}. */
        ATTENTION_INPUT,
        /** The heads' outputs laid side by side: the input of {@code wo}. */
        ATTENTION_OUTPUT,
        /** The normed input of the gate and up projections. */
        FFN_INPUT,
        /** {@code silu(w1 x) * w3 x}: the input of {@code w2}, one column per neuron. */
        FFN_ACTIVATION
    }

    /** How the products of activations and weights are computed; everything else is float32. */
    public enum MatmulPrecision {
        /** Exactly as the serving engine computes them. */
        FLOAT32,
        /**
         * Both operands rounded to bfloat16, accumulated in float32 ({@link BfloatMatmul}):
         * the weights, their gradients and the optimizer stay float32.
         */
        BFLOAT16
    }

    /** Sees activations during a forward pass; they belong to the pass's scope. */
    @FunctionalInterface
    public interface Probe {
        Probe NONE = (site, layer, x) -> { };

        void observe(Site site, int layer, NDArray x);
    }

    private final ModelConfig config;
    private final NDManager manager;
    private final NDArray embedding;
    private final NDArray classifier;
    private final NDArray finalNorm;
    private final NDArray[] attentionNorm;
    private final NDArray[] wq;
    private final NDArray[] wk;
    private final NDArray[] wv;
    private final NDArray[] wo;
    private final NDArray[] ffnNorm;
    private final NDArray[] w1;
    private final NDArray[] w2;
    private final NDArray[] w3;
    private final CausalAttention attention;
    /** Null for float32 products. */
    private final BfloatMatmul bfloat;

    private TorchLlama(LlamaWeights w, NDManager parent, MatmulPrecision precision) {
        this.config = w.config();
        this.manager = parent.newSubManager();
        int d = config.dim();
        int layers = config.layers();
        embedding = create(w.tokenEmbedding(), config.vocabSize(), d);
        classifier = config.sharedClassifier() ? null
                : transposed(w.classifier(), config.vocabSize(), d);
        finalNorm = create(w.finalNorm(), d);
        attentionNorm = new NDArray[layers];
        wq = new NDArray[layers];
        wk = new NDArray[layers];
        wv = new NDArray[layers];
        wo = new NDArray[layers];
        ffnNorm = new NDArray[layers];
        w1 = new NDArray[layers];
        w2 = new NDArray[layers];
        w3 = new NDArray[layers];
        for (int l = 0; l < layers; l++) {
            int q = config.qDim(l);
            int kv = config.kvDim(l);
            int h = config.layer(l).hiddenDim();
            attentionNorm[l] = create(w.attentionNorm()[l], d);
            wq[l] = transposed(w.wq()[l], q, d);
            wk[l] = transposed(w.wk()[l], kv, d);
            wv[l] = transposed(w.wv()[l], kv, d);
            wo[l] = transposed(w.wo()[l], d, q);
            ffnNorm[l] = create(w.ffnNorm()[l], d);
            w1[l] = transposed(w.w1()[l], h, d);
            w2[l] = transposed(w.w2()[l], d, h);
            w3[l] = transposed(w.w3()[l], h, d);
        }
        attention = CausalAttention.load(manager);
        bfloat = precision == MatmulPrecision.BFLOAT16 ? BfloatMatmul.load(manager) : null;
    }

    /** Copies {@code weights} into float32 tensors of a sub-manager of {@code parent}. */
    public static TorchLlama of(LlamaWeights weights, NDManager parent) {
        return of(weights, parent, MatmulPrecision.FLOAT32);
    }

    /** {@link #of(LlamaWeights, NDManager)} with its products computed in {@code precision}. */
    public static TorchLlama of(LlamaWeights weights, NDManager parent,
            MatmulPrecision precision) {
        return new TorchLlama(weights, parent, precision);
    }

    public ModelConfig config() {
        return config;
    }

    /** Every trainable tensor, each once (a shared classifier is the embedding). */
    public List<NDArray> parameters() {
        List<NDArray> all = new ArrayList<>(List.of(embedding, finalNorm));
        if (classifier != null) {
            all.add(classifier);
        }
        for (NDArray[] perLayer : List.of(attentionNorm, wq, wk, wv, wo, ffnNorm, w1, w2, w3)) {
            all.addAll(List.of(perLayer));
        }
        return all;
    }

    /** The current weights, copied back to the heap. */
    public LlamaWeights toWeights() {
        int layers = config.layers();
        float[] table = embedding.toFloatArray();
        return new LlamaWeights(config, table, host(attentionNorm, layers),
                host(wq, layers), host(wk, layers), host(wv, layers), host(wo, layers),
                host(ffnNorm, layers), host(w1, layers), host(w2, layers), host(w3, layers),
                finalNorm.toFloatArray(), classifier == null ? table : host(classifier));
    }

    /**
     * Logits {@code [batch, tokens, vocab]} for token ids {@code [batch, tokens]}, each row a
     * sequence starting at position 0, attending causally.
     */
    public NDArray forward(NDArray tokens, Probe probe) {
        return forward(tokens, probe, new boolean[config.layers()]);
    }

    /**
     * {@link #forward(NDArray, Probe)} with the layers marked in {@code skipped} left out: their
     * input passes on unchanged (stochastic depth, as in LayerSkip's layer dropout). The probe
     * still sees the residual stream entering every layer.
     */
    public NDArray forward(NDArray tokens, Probe probe, boolean[] skipped) {
        long batch = tokens.getShape().get(0);
        int length = (int) tokens.getShape().get(1);
        NDManager scope = tokens.getManager();
        NDArray[] rope = ropeTables(scope, length);
        NDArray x = embedding.get(tokens.toType(DataType.INT64, false));
        x.attach(scope);
        for (int l = 0; l < config.layers(); l++) {
            probe.observe(Site.RESIDUAL, l, x);
            if (skipped[l]) {
                continue;
            }
            // Attention: q, k, v from the normed stream; RoPE on q and k; causal softmax.
            // A pruned layer may have fewer heads than the model was built with.
            LayerShape shape = config.layer(l);
            NDArray a = rmsNorm(x, attentionNorm[l]);
            probe.observe(Site.ATTENTION_INPUT, l, a);
            NDArray q = rotate(linear(a, wq[l]).reshape(batch, length, shape.heads(),
                    config.headSize()), rope);
            NDArray k = rotate(linear(a, wk[l]).reshape(batch, length, shape.kvHeads(),
                    config.headSize()), rope);
            NDArray v = linear(a, wv[l]).reshape(batch, length, shape.kvHeads(),
                    config.headSize());
            NDArray heads = attention.apply(q.transpose(0, 2, 1, 3), k.transpose(0, 2, 1, 3),
                    v.transpose(0, 2, 1, 3));
            NDArray joined = heads.transpose(0, 2, 1, 3).reshape(batch, length, config.qDim(l));
            probe.observe(Site.ATTENTION_OUTPUT, l, joined);
            x = x.add(linear(joined, wo[l]));
            // Feed-forward: SwiGLU.
            NDArray f = rmsNorm(x, ffnNorm[l]);
            probe.observe(Site.FFN_INPUT, l, f);
            NDArray act = silu(linear(f, w1[l])).mul(linear(f, w3[l]));
            probe.observe(Site.FFN_ACTIVATION, l, act);
            x = x.add(linear(act, w2[l]));
        }
        probe.observe(Site.RESIDUAL, config.layers(), x);
        return head(x);
    }

    /**
     * Logits {@code [batch, tokens, vocab]} of a residual stream {@code [batch, tokens, dim]}:
     * the final norm and the LM head, which early exits share with the last layer.
     */
    public NDArray head(NDArray hidden) {
        NDArray head = classifier;
        if (head == null) {
            head = embedding.transpose();
            head.attach(hidden.getManager());
        }
        return linear(rmsNorm(hidden, finalNorm), head);
    }

    /**
     * llama2.c's RoPE on {@code x [b, t, heads, hs]}: the pair (2j, 2j+1) turns by {@code pos}
     * times the config's inverse frequency (theta^(-2j/hs), scaled as the checkpoint says); the
     * sin table carries the sign per element.
     */
    private NDArray rotate(NDArray x, NDArray[] rope) {
        Shape s = x.getShape();
        NDArray swapped = x.reshape(s.get(0), s.get(1), s.get(2), s.get(3) / 2, 2).flip(4)
                .reshape(s);
        return x.mul(rope[0]).add(swapped.mul(rope[1]));
    }

    private NDArray[] ropeTables(NDManager scope, int length) {
        int hs = config.headSize();
        float[] cos = new float[length * hs];
        float[] sin = new float[cos.length];
        for (int pos = 0; pos < length; pos++) {
            for (int c = 0; c < hs; c += 2) {
                double angle = pos * config.ropeInverseFrequency(c / 2);
                int at = pos * hs + c;
                cos[at] = (float) Math.cos(angle);
                cos[at + 1] = cos[at];
                sin[at] = (float) -Math.sin(angle);
                sin[at + 1] = (float) Math.sin(angle);
            }
        }
        Shape shape = new Shape(length, 1, hs);
        return new NDArray[] {scope.create(cos, shape), scope.create(sin, shape)};
    }

    /** {@code x sigmoid(x)}: DJL's swish takes its beta as a number ({@link Scalar}). */
    private static NDArray silu(NDArray x) {
        return Activation.sigmoid(x).mul(x);
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray meanSquare = x.square().mean(new int[] {-1}, true);
        NDArray rms = meanSquare.add(Scalar.of(x, config.normEps())).sqrt();
        return x.mul(rms.pow(Scalar.of(x, -1))).mul(weight);
    }

    /** {@code x W^T} for {@code W [out, in]}, held as {@code weightT [in, out]}. */
    private NDArray linear(NDArray x, NDArray weightT) {
        return bfloat == null ? x.matMul(weightT) : bfloat.apply(x, weightT);
    }

    private NDArray create(float[] values, long... shape) {
        return manager.create(values, new Shape(shape));
    }

    /** {@code [rows, cols]} values as a {@code [cols, rows]} tensor. */
    private NDArray transposed(float[] values, int rows, int cols) {
        return manager.create(transpose(values, rows, cols), new Shape(cols, rows));
    }

    /** An {@code [in, out]} tensor back as {@code [out, in]} values. */
    private static float[] host(NDArray weightT) {
        Shape s = weightT.getShape();
        return transpose(weightT.toFloatArray(), (int) s.get(0), (int) s.get(1));
    }

    private static float[][] host(NDArray[] tensors, int layers) {
        float[][] out = new float[layers][];
        for (int l = 0; l < layers; l++) {
            out[l] = tensors[l].getShape().dimension() == 2 ? host(tensors[l])
                    : tensors[l].toFloatArray();
        }
        return out;
    }

    private static float[] transpose(float[] values, int rows, int cols) {
        float[] out = new float[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = values[r * cols + c];
            }
        }
        return out;
    }

    @Override
    public void close() {
        attention.close();
        if (bfloat != null) {
            bfloat.close();
        }
        manager.close();
    }
}
