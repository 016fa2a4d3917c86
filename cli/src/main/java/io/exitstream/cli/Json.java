package io.exitstream.cli;

import com.google.gson.GsonBuilder;
import io.exitstream.engine.plan.ExecutionPlan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** How the offline jobs print reports and write plans. */
final class Json {

    private Json() {
    }

    /** Pretty JSON on stdout. */
    static void print(Object report) {
        System.out.println(new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues()
                .create().toJson(report));
    }

    /** Six significant decimals are plenty for perplexities and rates. */
    static double round(double value) {
        return Double.isFinite(value) ? Math.round(value * 1e6) / 1e6 : value;
    }

    /** Writes a plan's JSON, creating the folder, and says so on stderr. */
    static void writePlan(Path file, ExecutionPlan plan) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Files.writeString(file, plan.toJson() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.err.println("wrote plan " + file);
    }
}
