package io.exitstream.compression.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A corpus in JSON Lines: one {@code {"text": ...}} document per line (blank lines ignored). */
public final class JsonLines {

    private JsonLines() {
    }

    /**
     * Every document's text, in file order.
     *
     * @throws IllegalArgumentException naming the line when one is not such an object
     */
    public static List<String> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("corpus not found: " + file);
        }
        List<String> documents = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int number = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                number++;
                if (!line.isBlank()) {
                    documents.add(text(file, number, line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (documents.isEmpty()) {
            throw new IllegalArgumentException(file + " has no documents");
        }
        return documents;
    }

    private static String text(Path file, int number, String line) {
        try {
            JsonElement element = JsonParser.parseString(line);
            JsonElement text = element.isJsonObject()
                    ? ((JsonObject) element).get("text") : null;
            if (text == null || !text.isJsonPrimitive() || !text.getAsJsonPrimitive().isString()) {
                throw new IllegalArgumentException(file + " line " + number
                        + ": expected {\"text\": \"...\"}");
            }
            return text.getAsString();
        } catch (JsonSyntaxException e) {
            throw new IllegalArgumentException(file + " line " + number + " is not JSON: "
                    + e.getMessage());
        }
    }
}
