package io.exitstream.compression.nn;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.exitstream.compression.ModelFiles;
import io.exitstream.engine.checkpoint.HuggingFaceCheckpoint;
import io.exitstream.engine.checkpoint.TensorDType;
import io.exitstream.engine.model.LlamaWeights;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A training run's checkpoint in {@code OUT/checkpoint}: the model's weights (a Hugging Face
 * directory), Adam's state, the run's settings and its loss so far. A new checkpoint is written beside the old
 * one and then moved into place, so an interruption leaves one whole checkpoint.
 */
public final class TrainingCheckpoint {

    static final String DIR = "checkpoint";
    private static final String STATE = "state.json";
    private static final String MOMENTS = "adam.bin";
    private static final String LOSS_CURVE = "loss_curve";

    private TrainingCheckpoint() {
    }

    /** Whether {@code out} holds a checkpoint to resume from. */
    public static boolean exists(Path out) {
        return Files.isRegularFile(out.resolve(DIR).resolve(STATE));
    }

    /**
     * Saves weights, optimizer state and {@code settings} (anything the run must resume with
     * unchanged) under {@code out}.
     */
    public static void save(Path out, LlamaWeights weights, Adam.State optimizer,
            JsonObject settings) {
        save(out, weights, optimizer, settings, List.of());
    }

    /**
     * {@link #save(Path, LlamaWeights, Adam.State, JsonObject)} with the run's loss curve so
     * far, {@code [step, loss]} pairs, so that a resumed run can draw its whole curve.
     */
    public static void save(Path out, LlamaWeights weights, Adam.State optimizer,
            JsonObject settings, List<double[]> lossCurve) {
        Path target = out.resolve(DIR);
        Path staging = out.resolve(DIR + ".new");
        delete(staging);
        HuggingFaceCheckpoint.write(weights, staging, TensorDType.F32);
        try (DataOutputStream moments = new DataOutputStream(
                new BufferedOutputStream(Files.newOutputStream(staging.resolve(MOMENTS))))) {
            writeAll(moments, optimizer.firstMoments());
            writeAll(moments, optimizer.secondMoments());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JsonObject json = new JsonObject();
        json.addProperty("step", optimizer.step());
        json.add("settings", settings);
        JsonArray curve = new JsonArray();
        for (double[] point : lossCurve) {
            JsonArray pair = new JsonArray();
            pair.add(point[0]);
            pair.add(point[1]);
            curve.add(pair);
        }
        json.add(LOSS_CURVE, curve);
        ModelFiles.writeJson(json, staging.resolve(STATE));
        delete(target);
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The checkpointed weights. */
    public static LlamaWeights weights(Path out) {
        return HuggingFaceCheckpoint.read(out.resolve(DIR));
    }

    /** The settings the checkpointed run was started with. */
    public static JsonObject settings(Path out) {
        JsonObject settings = state(out).getAsJsonObject("settings");
        return settings == null ? new JsonObject() : settings;
    }

    /** The loss curve saved with the checkpoint; empty for a checkpoint saved without one. */
    public static List<double[]> lossCurve(Path out) {
        JsonArray saved = state(out).getAsJsonArray(LOSS_CURVE);
        List<double[]> curve = new ArrayList<>();
        if (saved != null) {
            for (JsonElement point : saved) {
                JsonArray pair = point.getAsJsonArray();
                curve.add(new double[] {pair.get(0).getAsDouble(), pair.get(1).getAsDouble()});
            }
        }
        return curve;
    }

    /**
     * The optimizer state saved with the checkpoint, shaped like {@code current} (the state of
     * an optimizer over the checkpointed weights).
     *
     * @throws IllegalArgumentException when the saved state belongs to another model
     */
    public static Adam.State optimizer(Path out, Adam.State current) {
        Path dir = out.resolve(DIR);
        try (DataInputStream in = new DataInputStream(
                new BufferedInputStream(Files.newInputStream(dir.resolve(MOMENTS))))) {
            return new Adam.State(state(out).get("step").getAsInt(),
                    readAll(in, current.firstMoments()), readAll(in, current.secondMoments()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonObject state(Path out) {
        try {
            return JsonParser.parseString(Files.readString(out.resolve(DIR).resolve(STATE)))
                    .getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeAll(DataOutputStream out, float[][] arrays) throws IOException {
        for (float[] array : arrays) {
            out.writeInt(array.length);
            for (float v : array) {
                out.writeFloat(v);
            }
        }
    }

    /** Arrays shaped like {@code like}, read back; a mismatch means another model. */
    private static float[][] readAll(DataInputStream in, float[][] like) throws IOException {
        float[][] arrays = new float[like.length][];
        for (int i = 0; i < like.length; i++) {
            int length = in.readInt();
            if (length != like[i].length) {
                throw new IllegalArgumentException("the checkpoint's optimizer state does not"
                        + " fit this model; remove " + DIR + " or use another --out");
            }
            arrays[i] = new float[length];
            for (int j = 0; j < length; j++) {
                arrays[i][j] = in.readFloat();
            }
        }
        return arrays;
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
