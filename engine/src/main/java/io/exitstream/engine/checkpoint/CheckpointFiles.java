package io.exitstream.engine.checkpoint;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** File operations on the small files around tensors, failing with one-line messages. */
final class CheckpointFiles {

    private CheckpointFiles() {
    }

    /** The JSON object in {@code file}. */
    static JsonObject readJson(Path file) {
        JsonElement root;
        try {
            root = JsonParser.parseString(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + ": file not found", e);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new CheckpointException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonObject()) {
            throw new CheckpointException(file + " is not a JSON object");
        }
        return root.getAsJsonObject();
    }

    /** Writes {@code json} pretty-printed, as Hugging Face's tools do. */
    static void writeJson(Path file, JsonObject json) {
        try {
            Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(json));
        } catch (IOException e) {
            throw new CheckpointException("cannot write " + file + ": " + reason(e), e);
        }
    }

    static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CheckpointException("cannot create " + dir + ": " + reason(e), e);
        }
    }

    static void deleteIfExists(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new CheckpointException("cannot remove " + file + ": " + reason(e), e);
        }
    }

    /** What went wrong, in words: Java's messages for these repeat the path and say no more. */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return String.valueOf(e.getMessage());
    }
}
