package io.exitstream.engine.checkpoint;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One safetensors file's header, parsed and checked against the file: the header must fit in
 * the file and every tensor's bytes must lie inside the data that follows it.
 *
 * @param tensors by name, in header order
 */
record SafetensorsHeader(Map<String, Entry> tensors, Map<String, String> metadata) {

    /**
     * Where one tensor's bytes are.
     *
     * @param dtype the header's name for it; only {@link TensorDType}'s can be read
     * @param position absolute file position of the first byte
     */
    record Entry(String dtype, long[] shape, long position, long bytes) {

        long elements() {
            return Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }
    }

    static SafetensorsHeader read(TensorReader in) {
        if (in.size() < Long.BYTES) {
            throw fail(in, "has " + in.size() + " bytes, fewer than the 8-byte header length");
        }
        long length = in.bytes(0, Long.BYTES).getLong();
        long available = in.size() - Long.BYTES;
        if (length > available && length <= Safetensors.MAX_HEADER_BYTES) {
            throw new CheckpointException(String.format(Locale.ROOT,
                    "%s: header length %,d overruns the file (%,d bytes): truncated or not a"
                            + " safetensors file", in.file(), length, in.size()));
        }
        if (length < 2 || length > Math.min(available, Safetensors.MAX_HEADER_BYTES)) {
            throw fail(in, String.format(Locale.ROOT, "header length %,d is implausible", length));
        }
        JsonObject root = parse(in, (int) length);
        long dataStart = Long.BYTES + length;
        long dataBytes = in.size() - dataStart;
        Map<String, Entry> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> field : root.entrySet()) {
            if (field.getKey().equals(Safetensors.METADATA)) {
                metadata = metadata(in, field.getValue());
            } else {
                tensors.put(field.getKey(),
                        entry(in, field.getKey(), field.getValue(), dataStart, dataBytes));
            }
        }
        return new SafetensorsHeader(Collections.unmodifiableMap(tensors),
                Collections.unmodifiableMap(metadata));
    }

    private static JsonObject parse(TensorReader in, int length) {
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder()
                    .decode(in.bytes(Long.BYTES, length)).toString();
        } catch (CharacterCodingException e) {
            throw fail(in, "header is not UTF-8");
        }
        JsonElement root;
        try {
            root = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw fail(in, "header is not valid JSON (" + e.getMessage() + ")");
        }
        if (!root.isJsonObject()) {
            throw fail(in, "header is not a JSON object");
        }
        return root.getAsJsonObject();
    }

    private static Map<String, String> metadata(TensorReader in, JsonElement value) {
        String invalid = Safetensors.METADATA + " must map strings to strings";
        if (!value.isJsonObject()) {
            throw fail(in, invalid);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : value.getAsJsonObject().entrySet()) {
            if (!e.getValue().isJsonPrimitive() || !e.getValue().getAsJsonPrimitive().isString()) {
                throw fail(in, invalid);
            }
            metadata.put(e.getKey(), e.getValue().getAsString());
        }
        return metadata;
    }

    private static Entry entry(TensorReader in, String name, JsonElement value, long dataStart,
            long dataBytes) {
        String what = "tensor " + name;
        if (!value.isJsonObject()) {
            throw fail(in, what + " is not a JSON object");
        }
        JsonObject o = value.getAsJsonObject();
        JsonElement dtype = o.get(Safetensors.DTYPE);
        if (dtype == null || !dtype.isJsonPrimitive() || !dtype.getAsJsonPrimitive().isString()) {
            throw fail(in, what + " has no dtype");
        }
        long[] shape = integers(in, what, o, Safetensors.SHAPE);
        long[] offsets = integers(in, what, o, Safetensors.DATA_OFFSETS);
        if (offsets.length != 2 || offsets[0] > offsets[1]) {
            throw fail(in, what + " has data_offsets " + Arrays.toString(offsets)
                    + ", not a [begin, end] pair");
        }
        if (offsets[1] > dataBytes) {
            throw new CheckpointException(String.format(Locale.ROOT,
                    "%s: tensor %s has data_offsets [%,d, %,d] beyond the %,d data bytes in the"
                            + " file: truncated", in.file(), name, offsets[0], offsets[1],
                    dataBytes));
        }
        Entry entry = new Entry(dtype.getAsString(), shape, dataStart + offsets[0],
                offsets[1] - offsets[0]);
        long elements;
        try {
            elements = entry.elements();
        } catch (ArithmeticException e) {
            throw fail(in, what + " has an impossibly large shape " + Arrays.toString(shape));
        }
        Optional<TensorDType> type = TensorDType.fromSafetensors(entry.dtype());
        if (type.isPresent() && elements * type.get().bytes() != entry.bytes()) {
            throw new CheckpointException(String.format(Locale.ROOT,
                    "%s: tensor %s of shape %s in %s needs %,d bytes but its data_offsets span"
                            + " %,d", in.file(), name, Arrays.toString(shape), entry.dtype(),
                    elements * type.get().bytes(), entry.bytes()));
        }
        return entry;
    }

    /** The non-negative integers in the JSON array {@code o[key]}. */
    private static long[] integers(TensorReader in, String what, JsonObject o, String key) {
        JsonElement value = o.get(key);
        if (value == null || !value.isJsonArray()) {
            throw fail(in, what + " has no " + key + " array");
        }
        long[] result = new long[value.getAsJsonArray().size()];
        for (int i = 0; i < result.length; i++) {
            JsonElement item = value.getAsJsonArray().get(i);
            try {
                result[i] = new BigDecimal(item.getAsString()).longValueExact();
            } catch (UnsupportedOperationException | IllegalStateException
                    | NumberFormatException | ArithmeticException e) {
                throw fail(in, what + " has a " + key + " entry that is not an integer: " + item);
            }
            if (result[i] < 0) {
                throw fail(in, what + " has a negative " + key + " entry: " + item);
            }
        }
        return result;
    }

    private static CheckpointException fail(TensorReader in, String problem) {
        return new CheckpointException(in.file() + ": " + problem + ": not a safetensors file");
    }
}
