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
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A training run's checkpoint in {@code OUT/checkpoint}: the model's weights (a Hugging Face
 * directory), Adam's state, the run's settings and its losses so far. A new checkpoint is
 * written beside the old one and then moved into place, so an interruption leaves one whole
 * checkpoint.
 */
public final class TrainingCheckpoint {

    static final String DIR = "checkpoint";
    private static final String STATE = "state.json";
    private static final String MOMENTS = "adam.bin";
    private static final String LOSS_CURVE = "loss_curve";
    private static final String HELD_OUT_CURVE = "held_out_curve";

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
        save(out, weights, optimizer, settings, new LossCurves());
    }

    /**
     * {@link #save(Path, LlamaWeights, Adam.State, JsonObject)} with the run's losses so far,
     * so that a resumed run can report and draw the whole run.
     */
    public static void save(Path out, LlamaWeights weights, Adam.State optimizer,
            JsonObject settings, LossCurves curves) {
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
        json.add(LOSS_CURVE, rows(curves.training()));
        json.add(HELD_OUT_CURVE, rows(curves.heldOut()));
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

    /** The losses saved with the checkpoint; empty for a checkpoint saved without them. */
    public static LossCurves lossCurves(Path out) {
        JsonObject state = state(out);
        LossCurves curves = new LossCurves();
        for (double[] row : rows(state.getAsJsonArray(LOSS_CURVE))) {
            curves.addTraining((int) row[0], row[1]);
        }
        for (double[] row : rows(state.getAsJsonArray(HELD_OUT_CURVE))) {
            curves.addHeldOut((int) row[0], Arrays.copyOfRange(row, 1, row.length));
        }
        return curves;
    }

    private static JsonArray rows(List<double[]> rows) {
        JsonArray json = new JsonArray();
        for (double[] row : rows) {
            JsonArray values = new JsonArray();
            for (double v : row) {
                values.add(v);
            }
            json.add(values);
        }
        return json;
    }

    private static List<double[]> rows(JsonArray json) {
        List<double[]> rows = new ArrayList<>();
        if (json != null) {
            for (JsonElement row : json) {
                JsonArray values = row.getAsJsonArray();
                double[] parsed = new double[values.size()];
                for (int i = 0; i < parsed.length; i++) {
                    parsed[i] = values.get(i).getAsDouble();
                }
                rows.add(parsed);
            }
        }
        return rows;
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
