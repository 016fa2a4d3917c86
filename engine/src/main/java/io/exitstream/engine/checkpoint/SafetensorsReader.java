package io.exitstream.engine.checkpoint;

import com.google.gson.JsonElement;
import java.io.Closeable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads float tensors from a safetensors checkpoint: one file, or shards listed by
 * {@code model.safetensors.index.json}. F32, F16 and BF16 tensors are widened to float32.
 * Headers are validated when opening; tensor data is read on demand.
 */
public final class SafetensorsReader implements Closeable {

    private final Path source;
    private final List<TensorReader> files;
    private final Map<String, Located> tensors;
    private final Map<String, String> metadata;

    /** A tensor and the shard that holds it. */
    private record Located(TensorReader file, SafetensorsHeader.Entry entry) {
    }

    private SafetensorsReader(Path source, List<TensorReader> files, Map<String, Located> tensors,
            Map<String, String> metadata) {
        this.source = source;
        this.files = files;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /**
     * Opens a {@code .safetensors} file, an index file, or a directory holding
     * {@code model.safetensors} or (when that is absent) {@code model.safetensors.index.json}.
     */
    public static SafetensorsReader open(Path path) {
        if (Files.isDirectory(path)) {
            Path single = path.resolve(Safetensors.SINGLE_FILE);
            Path index = path.resolve(Safetensors.INDEX_FILE);
            if (Files.exists(single)) {
                return openShards(single, Map.of());
            }
            if (Files.exists(index)) {
                return openIndex(index);
            }
            String hint = Files.exists(path.resolve("pytorch_model.bin"))
                    ? " (PyTorch .bin weights are not supported: convert them to safetensors)" : "";
            throw new CheckpointException(path + " has neither " + Safetensors.SINGLE_FILE
                    + " nor " + Safetensors.INDEX_FILE + hint);
        }
        return path.getFileName().toString().equals(Safetensors.INDEX_FILE)
                ? openIndex(path) : openShards(path, Map.of());
    }

    /** Tensor names, in file order. */
    public Set<String> names() {
        return tensors.keySet();
    }

    /** The {@code __metadata__} strings of the file (of all shards, merged). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The shape of tensor {@code name}, outermost first. */
    public long[] shape(String name) {
        return located(name).entry().shape().clone();
    }

    /**
     * Reads tensor {@code name} as float32, checking that it has the {@code shape} the caller
     * expects.
     */
    public float[] read(String name, long... shape) {
        Located tensor = located(name);
        SafetensorsHeader.Entry entry = tensor.entry();
        Path file = tensor.file().file();
        if (!Arrays.equals(entry.shape(), shape)) {
            throw new CheckpointException(file + ": tensor " + name + " has shape "
                    + Arrays.toString(entry.shape()) + ", expected " + Arrays.toString(shape));
        }
        TensorDType dtype = TensorDType.fromSafetensors(entry.dtype()).orElseThrow(
                () -> new CheckpointException(file + ": tensor " + name + " has dtype "
                        + entry.dtype() + "; supported: " + Arrays.toString(TensorDType.values())));
        return tensor.file().floats(entry.position(), entry.elements(), dtype, name);
    }

    private Located located(String name) {
        Located tensor = tensors.get(name);
        if (tensor == null) {
            throw new CheckpointException(source + ": no tensor named " + name);
        }
        return tensor;
    }

    @Override
    public void close() {
        files.forEach(TensorReader::close);
    }

    private static SafetensorsReader openIndex(Path index) {
        Map<String, String> weightMap = weightMap(index);
        Map<Path, List<String>> byShard = new LinkedHashMap<>();
        weightMap.forEach((tensor, shard) -> byShard.computeIfAbsent(
                index.resolveSibling(shard), s -> new ArrayList<>()).add(tensor));
        return openShards(index, byShard);
    }

    /**
     * Opens {@code source} alone (no {@code byShard}), or the shards that an index file
     * {@code source} assigns tensors to, checking that each shard holds its tensors.
     */
    private static SafetensorsReader openShards(Path source, Map<Path, List<String>> byShard) {
        List<TensorReader> files = new ArrayList<>();
        Map<String, Located> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        try {
            for (Path shard : byShard.isEmpty() ? List.of(source) : byShard.keySet()) {
                TensorReader file = TensorReader.open(shard);
                files.add(file);
                SafetensorsHeader header = SafetensorsHeader.read(file);
                metadata.putAll(header.metadata());
                List<String> names = byShard.isEmpty()
                        ? List.copyOf(header.tensors().keySet()) : byShard.get(shard);
                for (String name : names) {
                    SafetensorsHeader.Entry entry = header.tensors().get(name);
                    if (entry == null) {
                        throw new CheckpointException(source + " puts tensor " + name + " in "
                                + shard.getFileName() + ", which has no such tensor");
                    }
                    tensors.put(name, new Located(file, entry));
                }
            }
        } catch (RuntimeException e) {
            files.forEach(TensorReader::close);
            throw e;
        }
        return new SafetensorsReader(source, files, tensors, metadata);
    }

    /** The index's tensor-to-shard map; shard names must be plain file names beside it. */
    private static Map<String, String> weightMap(Path index) {
        JsonElement map = CheckpointFiles.readJson(index).get(Safetensors.WEIGHT_MAP);
        if (map == null || !map.isJsonObject()) {
            throw new CheckpointException(index + " has no " + Safetensors.WEIGHT_MAP + " object");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : map.getAsJsonObject().entrySet()) {
            JsonElement shard = e.getValue();
            if (!shard.isJsonPrimitive() || !isPlainFileName(shard.getAsString())) {
                throw new CheckpointException(index + ": tensor " + e.getKey()
                        + " is mapped to " + shard + ", not a file name beside the index");
            }
            weightMap.put(e.getKey(), shard.getAsString());
        }
        return weightMap;
    }

    private static boolean isPlainFileName(String name) {
        return !name.isEmpty() && !name.contains("/") && !name.contains("\\")
                && !name.equals(".") && !name.equals("..");
    }
}
