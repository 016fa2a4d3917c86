package io.exitstream.engine.exits;

import io.exitstream.engine.checkpoint.CheckpointException;
import io.exitstream.engine.checkpoint.NamedTensor;
import io.exitstream.engine.checkpoint.SafetensorsReader;
import io.exitstream.engine.checkpoint.SafetensorsWriter;
import io.exitstream.engine.checkpoint.TensorDType;
import io.exitstream.engine.model.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model's exit heads, at most one per layer; immutable.
 *
 * <p>On disk a safetensors file of F32 tensors, with {@code format=exitstream-exit-heads} in
 * its metadata. Per head at layer {@code l}: {@code exit.l.confidence.weight [dim]},
 * {@code exit.l.confidence.bias [1]}, and for an adapter {@code exit.l.adapter.down [rank, dim]}
 * and {@code exit.l.adapter.up [dim, rank]}. {@link #pathFor} says where a model's heads live.
 */
public final class ExitHeads {

    /** The {@code format} metadata value that marks an exit-heads file. */
    public static final String FORMAT = "exitstream-exit-heads";
    /** The file name of the heads inside a Hugging Face model directory. */
    public static final String HUGGING_FACE_FILE = "exit_heads.safetensors";

    private static final ExitHeads NONE = new ExitHeads(new TreeMap<>());
    private static final Pattern NAME = Pattern.compile(
            "exit\\.(\\d+)\\.(confidence\\.weight|confidence\\.bias|adapter\\.down|adapter\\.up)");

    private final SortedMap<Integer, ExitHead> byLayer;

    private ExitHeads(SortedMap<Integer, ExitHead> byLayer) {
        this.byLayer = Collections.unmodifiableSortedMap(byLayer);
    }

    /** No heads: a model without them runs no confidence exits. */
    public static ExitHeads none() {
        return NONE;
    }

    /**
     * The given heads.
     *
     * @throws IllegalArgumentException if two are for the same layer or their widths differ
     */
    public static ExitHeads of(Collection<ExitHead> heads) {
        TreeMap<Integer, ExitHead> byLayer = new TreeMap<>();
        for (ExitHead head : heads) {
            if (byLayer.put(head.layer(), head) != null) {
                throw new IllegalArgumentException("two exit heads for layer " + head.layer());
            }
            if (head.dim() != byLayer.firstEntry().getValue().dim()) {
                throw new IllegalArgumentException("exit head " + head.layer() + " reads width "
                        + head.dim() + ", head " + byLayer.firstKey() + " width "
                        + byLayer.firstEntry().getValue().dim());
            }
        }
        return new ExitHeads(byLayer);
    }

    public static ExitHeads of(ExitHead... heads) {
        return of(List.of(heads));
    }

    /**
     * Where a model's heads are kept: beside a llama2.c file {@code X.bin} as
     * {@code X.exits.safetensors}; inside a Hugging Face directory as
     * {@value #HUGGING_FACE_FILE}.
     */
    public static Path pathFor(Path model) {
        if (Files.isDirectory(model)) {
            return model.resolve(HUGGING_FACE_FILE);
        }
        String name = model.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return model.resolveSibling(stem + ".exits.safetensors");
    }

    /** The heads by layer, ascending. */
    public SortedMap<Integer, ExitHead> byLayer() {
        return byLayer;
    }

    /** The head at {@code layer}, if there is one. */
    public Optional<ExitHead> at(int layer) {
        return Optional.ofNullable(byLayer.get(layer));
    }

    public boolean isEmpty() {
        return byLayer.isEmpty();
    }

    /**
     * Checks that the heads fit the model: layers inside it and the model's width.
     *
     * @throws CheckpointException with a one-line message saying what does not fit
     */
    public void validate(ModelConfig config) {
        for (ExitHead head : byLayer.values()) {
            if (head.layer() >= config.layers()) {
                throw new CheckpointException("exit head for layer " + head.layer()
                        + " is outside the model's layers 0.." + (config.layers() - 1));
            }
            if (head.dim() != config.dim()) {
                throw new CheckpointException("exit head for layer " + head.layer()
                        + " reads width " + head.dim() + " but the model's width is "
                        + config.dim());
            }
        }
    }

    /**
     * Reads heads written by {@link #write}.
     *
     * @throws CheckpointException with a one-line message if the file is missing, is not an
     *     exit-heads file, or holds inconsistent tensors
     */
    public static ExitHeads read(Path file) {
        try (SafetensorsReader in = SafetensorsReader.open(file)) {
            String format = in.metadata().get("format");
            if (!FORMAT.equals(format)) {
                throw new CheckpointException(file + " is not an exit-heads file (its format is "
                        + format + ", expected " + FORMAT + ")");
            }
            TreeSet<Integer> layers = new TreeSet<>();
            for (String name : in.names()) {
                Matcher m = NAME.matcher(name);
                if (!m.matches()) {
                    throw new CheckpointException(file + ": unexpected tensor " + name);
                }
                layers.add(Integer.parseInt(m.group(1)));
            }
            List<ExitHead> heads = new ArrayList<>();
            for (int layer : layers) {
                heads.add(readHead(in, file, layer));
            }
            try {
                return of(heads);
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(file + ": " + e.getMessage(), e);
            }
        }
    }

    private static ExitHead readHead(SafetensorsReader in, Path file, int layer) {
        String prefix = "exit." + layer + ".";
        String weightName = prefix + "confidence.weight";
        if (!in.names().contains(weightName)) {
            throw new CheckpointException(file + ": exit head " + layer + " has no "
                    + weightName);
        }
        long[] shape = in.shape(weightName);
        if (shape.length != 1) {
            throw new CheckpointException(file + ": " + weightName + " must be a vector");
        }
        int dim = (int) shape[0];
        float[] weight = in.read(weightName, dim);
        float bias = in.read(prefix + "confidence.bias", 1)[0];
        String downName = prefix + "adapter.down";
        String upName = prefix + "adapter.up";
        boolean hasDown = in.names().contains(downName);
        if (hasDown != in.names().contains(upName)) {
            throw new CheckpointException(file + ": exit head " + layer + " has only one of "
                    + downName + " and " + upName);
        }
        if (!hasDown) {
            return new ExitHead(layer, weight, bias);
        }
        long[] downShape = in.shape(downName);
        if (downShape.length != 2) {
            throw new CheckpointException(file + ": " + downName + " must be a matrix");
        }
        int rank = (int) downShape[0];
        return new ExitHead(layer, weight, bias, rank, in.read(downName, rank, dim),
                in.read(upName, dim, rank));
    }

    /** Writes the heads as F32 safetensors (see the class comment for the layout). */
    public void write(Path file) {
        List<NamedTensor> tensors = new ArrayList<>();
        for (ExitHead head : byLayer.values()) {
            String prefix = "exit." + head.layer() + ".";
            tensors.add(new NamedTensor(prefix + "confidence.weight", new long[] {head.dim()},
                    head.confidenceWeight()));
            tensors.add(new NamedTensor(prefix + "confidence.bias", new long[] {1},
                    new float[] {head.confidenceBias()}));
            if (head.hasAdapter()) {
                tensors.add(new NamedTensor(prefix + "adapter.down",
                        new long[] {head.rank(), head.dim()}, head.down()));
                tensors.add(new NamedTensor(prefix + "adapter.up",
                        new long[] {head.dim(), head.rank()}, head.up()));
            }
        }
        SafetensorsWriter.writeFile(tensors, file, TensorDType.F32, Map.of("format", FORMAT));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExitHeads other && byLayer.equals(other.byLayer);
    }

    @Override
    public int hashCode() {
        return byLayer.hashCode();
    }

    @Override
    public String toString() {
        return "ExitHeads" + byLayer.values();
    }
}
