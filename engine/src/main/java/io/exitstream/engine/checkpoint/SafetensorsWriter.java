package io.exitstream.engine.checkpoint;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes float tensors as safetensors in F32, F16 or BF16 (narrowing rounds to nearest even),
 * in one file or, past a size limit, in shards with a {@code model.safetensors.index.json} as
 * Hugging Face's {@code save_pretrained} does.
 */
public final class SafetensorsWriter {

    private SafetensorsWriter() {
    }

    /**
     * Writes {@code tensors} into directory {@code dir}: as {@code model.safetensors} when they
     * fit in {@code maxShardBytes}, otherwise as shards of at most that size (a larger tensor
     * gets a shard of its own) plus the index. Removes the other layout's entry file, if any,
     * so that the directory cannot be read as the stale checkpoint.
     */
    public static void write(List<NamedTensor> tensors, Path dir, TensorDType dtype,
            long maxShardBytes) {
        List<List<NamedTensor>> shards = new ArrayList<>();
        List<NamedTensor> shard = new ArrayList<>();
        long shardBytes = 0;
        for (NamedTensor tensor : tensors) {
            long bytes = (long) tensor.values().length * dtype.bytes();
            if (!shard.isEmpty() && shardBytes + bytes > maxShardBytes) {
                shards.add(shard);
                shard = new ArrayList<>();
                shardBytes = 0;
            }
            shard.add(tensor);
            shardBytes += bytes;
        }
        shards.add(shard);

        CheckpointFiles.createDirectories(dir);
        if (shards.size() == 1) {
            writeFile(tensors, dir.resolve(Safetensors.SINGLE_FILE), dtype);
            CheckpointFiles.deleteIfExists(dir.resolve(Safetensors.INDEX_FILE));
            return;
        }
        // Hugging Face lists the weight map sorted by tensor name.
        TreeMap<String, String> weightMap = new TreeMap<>();
        long totalBytes = 0;
        for (int i = 0; i < shards.size(); i++) {
            String name = Safetensors.shardName(i + 1, shards.size());
            writeFile(shards.get(i), dir.resolve(name), dtype);
            for (NamedTensor tensor : shards.get(i)) {
                weightMap.put(tensor.name(), name);
                totalBytes += (long) tensor.values().length * dtype.bytes();
            }
        }
        JsonObject metadata = new JsonObject();
        metadata.addProperty("total_size", totalBytes);
        JsonObject index = new JsonObject();
        index.add("metadata", metadata);
        JsonObject weights = new JsonObject();
        weightMap.forEach(weights::addProperty);
        index.add(Safetensors.WEIGHT_MAP, weights);
        CheckpointFiles.writeJson(dir.resolve(Safetensors.INDEX_FILE), index);
        CheckpointFiles.deleteIfExists(dir.resolve(Safetensors.SINGLE_FILE));
    }

    /** Writes {@code tensors}, in order, as the one safetensors file {@code file}. */
    public static void writeFile(List<NamedTensor> tensors, Path file, TensorDType dtype) {
        writeFile(tensors, file, dtype, Map.of("format", "pt"));
    }

    /**
     * Writes {@code tensors}, in order, as the one safetensors file {@code file}, with
     * {@code metadata} as the header's {@code __metadata__} strings.
     */
    public static void writeFile(List<NamedTensor> tensors, Path file, TensorDType dtype,
            Map<String, String> metadata) {
        JsonObject header = new JsonObject();
        JsonObject metadataJson = new JsonObject();
        new TreeMap<>(metadata).forEach(metadataJson::addProperty);
        header.add(Safetensors.METADATA, metadataJson);
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (NamedTensor tensor : tensors) {
            if (!names.add(tensor.name())) {
                throw new IllegalArgumentException("duplicate tensor name " + tensor.name());
            }
            long end = offset + (long) tensor.values().length * dtype.bytes();
            JsonObject entry = new JsonObject();
            entry.addProperty(Safetensors.DTYPE, dtype.name());
            entry.add(Safetensors.SHAPE, longs(tensor.shape()));
            entry.add(Safetensors.DATA_OFFSETS, longs(offset, end));
            header.add(tensor.name(), entry);
            offset = end;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        byte[] padding = new byte[-json.length & (Safetensors.ALIGNMENT - 1)];
        Arrays.fill(padding, (byte) ' ');
        try (TensorWriter out = TensorWriter.create(file)) {
            out.longs(json.length + padding.length);
            out.bytes(json);
            out.bytes(padding);
            for (NamedTensor tensor : tensors) {
                out.floats(tensor.values(), dtype);
            }
        }
    }

    private static JsonArray longs(long... values) {
        JsonArray array = new JsonArray();
        Arrays.stream(values).forEach(array::add);
        return array;
    }
}
