package io.exitstream.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import io.exitstream.engine.model.ModelConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The transformer blocks as one TorchScript program, so that a forward pass through any list of
 * layers is a single call into PyTorch instead of ~35 JNI calls per layer (each costs 5-20 µs
 * through DJL, more than a small model's matmuls).
 *
 * <p>The program is {@code decoder.py} with the model's shape filled in. It is packaged here as
 * a TorchScript archive (code, an empty module pickle, a version) and compiled by PyTorch when
 * DJL loads it: no Python and no exported model file are involved. Weights, caches and per-step
 * inputs are passed as arguments, so the program holds no state.
 */
final class DecoderScript implements AutoCloseable {

    private static final String SOURCE = "decoder.py";
    /** {@code __torch__.Decoder()} with {@code training = True}: a module with no state. */
    private static final byte[] MODULE_PICKLE = {
        (byte) 0x80, 2, 'c', '_', '_', 't', 'o', 'r', 'c', 'h', '_', '_', '\n',
        'D', 'e', 'c', 'o', 'd', 'e', 'r', '\n', 'q', 0, ')', (byte) 0x81, '}', '(',
        'X', 8, 0, 0, 0, 't', 'r', 'a', 'i', 'n', 'i', 'n', 'g', 'q', 1, (byte) 0x88, 'u', 'b', '.'
    };
    private static final byte[] EMPTY_TUPLE_PICKLE = {(byte) 0x80, 2, ')', '.'};

    /** What the program returns after the layers. */
    enum Head {
        /** The hidden states. */
        NONE,
        /** Final norm and LM head on every row. */
        ALL_ROWS,
        /** Final norm and LM head on the last row only (a prefill's next token). */
        LAST_ROW
    }

    private final PtSymbolBlock block;
    private final DeviceWeights weights;
    private final IValue noTensors;

    private DecoderScript(PtSymbolBlock block, DeviceWeights weights) {
        this.block = block;
        this.weights = weights;
        this.noTensors = IValue.listFrom(new PtNDArray[0]);
    }

    static DecoderScript compile(DeviceWeights weights, NDManager manager) {
        try (InputStream archive = new ByteArrayInputStream(archive(source(weights.config)))) {
            return new DecoderScript(JniUtils.loadModule((PtNDManager) manager, archive, false,
                    false), weights);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One call into the program: optionally embed {@code x} (token ids), run {@code layers} in
     * order on the rows, optionally apply the LM head. Without layers, {@code cache} and
     * {@code rows} may be null. The result lives in {@code scope}.
     */
    NDArray run(NDManager scope, NDArray x, boolean embed, Head head, int[] layers,
            KvCache cache, Rows rows) {
        NDArray none = rows == null ? scope.create(new long[0]) : null;
        IValue keys = cache == null ? noTensors : cache.keyList();
        IValue values = cache == null ? noTensors : cache.valueList();
        IValue[] inputs = {
            tensor(x),
            IValue.from(embed),
            IValue.from((long) head.ordinal()),
            IValue.listFrom(Arrays.stream(layers).asLongStream().toArray()),
            weights.layers,
            weights.tables,
            keys,
            values,
            tensor(rows == null ? none : rows.slots),
            tensor(rows == null ? none : rows.positions),
            IValue.from(rows == null ? 0L : rows.slotStart),
            IValue.from(rows == null ? 0L : rows.span),
            IValue.from(rows != null && rows.prefill),
        };
        try (IValue out = block.forward(inputs)) {
            return out.toTensor((PtNDManager) scope);
        } finally {
            // The weights and caches are made once and outlive the call; the rest is this call's.
            for (IValue input : inputs) {
                if (input != weights.layers && input != weights.tables && input != keys
                        && input != values) {
                    input.close();
                }
            }
        }
    }

    private static IValue tensor(NDArray array) {
        return IValue.from((PtNDArray) array);
    }

    /** decoder.py with the model's dimensions written in as constants. */
    static String source(ModelConfig c) {
        String source;
        try (InputStream in = DecoderScript.class.getResourceAsStream(SOURCE)) {
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int qkWidth = c.dim() + c.kvDim();
        Map<String, Object> constants = Map.of(
                "eps", (double) c.normEps(),
                "dim", c.dim(),
                "qk_width", qkWidth,
                "half_qk_width", qkWidth / 2,
                "qkv_width", qkWidth + c.kvDim(),
                "kv_heads", c.kvHeads(),
                "head_size", c.headSize(),
                "group", c.groupSize(),
                "hidden_dim", c.hiddenDim(),
                "double_hidden_dim", 2 * c.hiddenDim());
        for (Map.Entry<String, Object> constant : constants.entrySet()) {
            source = source.replace("{" + constant.getKey() + "}", constant.getValue().toString());
        }
        return source;
    }

    /** A TorchScript zip: the code, the module pickle, no constants, format version 3. */
    private static byte[] archive(String code) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            stored(zip, "decoder/code/__torch__.py", code.getBytes(StandardCharsets.UTF_8));
            stored(zip, "decoder/data.pkl", MODULE_PICKLE);
            stored(zip, "decoder/constants.pkl", EMPTY_TUPLE_PICKLE);
            stored(zip, "decoder/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
        return bytes.toByteArray();
    }

    /** PyTorch's reader expects uncompressed entries, as torch.jit.save writes them. */
    private static void stored(ZipOutputStream zip, String name, byte[] content)
            throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(content.length);
        entry.setCompressedSize(content.length);
        CRC32 crc = new CRC32();
        crc.update(content);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(content);
        zip.closeEntry();
    }

    @Override
    public void close() {
        noTensors.close();
        block.close();
    }
}
