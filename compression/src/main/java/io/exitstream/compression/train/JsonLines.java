package io.exitstream.compression.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** A corpus in JSON Lines: one {@code {"text": ...}} document per line (blank lines ignored). */
public final class JsonLines {

    private JsonLines() {
    }

    /**
     * Every document's text, in file order.
     *
     * @throws IllegalArgumentException naming the line when one is not such an object, or when
     *     there is no document at all
     * @throws UncheckedIOException when the file cannot be read
     */
    public static List<String> read(Path file) {
        List<String> documents = new ArrayList<>();
        forEach(file, documents::add);
        return documents;
    }

    /** Hands each document's text to {@code sink}, in file order, without holding them all. */
    public static void forEach(Path file, Consumer<String> sink) {
        int documents = 0;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            long number = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                number++;
                if (!line.isBlank()) {
                    sink.accept(text(file, number, line));
                    documents++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (documents == 0) {
            throw new IllegalArgumentException("corpus " + file + " has no documents");
        }
    }

    private static String text(Path file, long number, String line) {
        String problem;
        try {
            JsonElement element = JsonParser.parseString(line);
            JsonElement text = element.isJsonObject() ? element.getAsJsonObject().get("text")
                    : null;
            if (text != null && text.isJsonPrimitive() && text.getAsJsonPrimitive().isString()) {
                return text.getAsString();
            }
            problem = "has no string \"text\" field";
        } catch (JsonParseException e) {
            problem = "is not JSON";
        }
        throw new IllegalArgumentException("corpus " + file + " line " + number + " " + problem
                + ": each line must be {\"text\": \"...\"}");
    }
}
