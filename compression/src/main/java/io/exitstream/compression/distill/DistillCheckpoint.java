package io.exitstream.compression.distill;

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
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A distillation run's checkpoint in {@code OUT/checkpoint}: the student's weights (a Hugging
 * Face directory), Adam's moments and the step count. A new checkpoint is written beside the old
 * one and then moved into place, so an interruption leaves one whole checkpoint.
 */
public final class DistillCheckpoint {

    static final String DIR = "checkpoint";
    private static final String STATE = "state.json";
    private static final String MOMENTS = "adam.bin";

    /** The optimizer's state at a step. */
    record State(int step, float[][] firstMoments, float[][] secondMoments) {
    }

    private DistillCheckpoint() {
    }

    /** Whether {@code out} holds a checkpoint to resume from. */
    public static boolean exists(Path out) {
        return Files.isRegularFile(out.resolve(DIR).resolve(STATE));
    }

    /** Saves the distiller's student and optimizer under {@code out}. */
    public static void save(Distiller distiller, Path out) {
        Path target = out.resolve(DIR);
        Path staging = out.resolve(DIR + ".new");
        delete(staging);
        State state = distiller.state();
        HuggingFaceCheckpoint.write(distiller.student(), staging, TensorDType.F32);
        try (DataOutputStream moments = new DataOutputStream(
                new BufferedOutputStream(Files.newOutputStream(staging.resolve(MOMENTS))))) {
            writeAll(moments, state.firstMoments());
            writeAll(moments, state.secondMoments());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JsonObject json = new JsonObject();
        json.addProperty("step", state.step());
        ModelFiles.writeJson(json, staging.resolve(STATE));
        delete(target);
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The checkpointed student's weights. */
    public static LlamaWeights student(Path out) {
        return HuggingFaceCheckpoint.read(out.resolve(DIR));
    }

    /** Restores the optimizer state into a distiller made with {@link #student(Path)}. */
    public static void resume(Distiller distiller, Path out) {
        Path dir = out.resolve(DIR);
        try {
            JsonObject json = JsonParser.parseString(Files.readString(dir.resolve(STATE)))
                    .getAsJsonObject();
            State current = distiller.state();
            try (DataInputStream in = new DataInputStream(
                    new BufferedInputStream(Files.newInputStream(dir.resolve(MOMENTS))))) {
                distiller.restore(new State(json.get("step").getAsInt(),
                        readAll(in, current.firstMoments()), readAll(in, current.secondMoments())));
            }
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

    /** Arrays shaped like {@code like}, read back; a mismatch means another student. */
    private static float[][] readAll(DataInputStream in, float[][] like) throws IOException {
        float[][] arrays = new float[like.length][];
        for (int i = 0; i < like.length; i++) {
            int length = in.readInt();
            if (length != like[i].length) {
                throw new IllegalArgumentException("the checkpoint's optimizer state does not"
                        + " fit this student; remove " + DIR + " or use another --out");
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
