package io.exitstream.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Draws the decode tokens/s of one or more {@code exitstream bench} JSON files as a PNG. */
@Command(name = "chart", mixinStandardHelpOptions = true,
        description = "Plot decode tokens/s per batch size from bench JSON files, as a PNG.")
final class ChartCommand implements Callable<Integer> {

    @Parameters(paramLabel = "BENCH_JSON", arity = "1..*",
            description = "Output files of exitstream bench.")
    private List<Path> inputs;

    @Option(names = "--out", required = true, paramLabel = "PNG", description = "Image to write.")
    private Path out;

    @Override
    public Integer call() throws IOException {
        List<BarChart.Bar> bars = new ArrayList<>();
        for (Path input : inputs) {
            JsonObject report = read(input);
            String panel = report.get("model").getAsString().replace("synthetic ", "");
            String series = report.get("weights").getAsString();
            for (JsonElement decode : report.getAsJsonArray("decode")) {
                JsonObject d = decode.getAsJsonObject();
                bars.add(new BarChart.Bar(panel, "batch " + d.get("batch").getAsInt(), series,
                        d.get("tokens_per_s").getAsDouble()));
            }
        }
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        ImageIO.write(BarChart.draw("decode tokens/s (all sequences)", bars), "png",
                out.toFile());
        System.err.println("chart: wrote " + out);
        return 0;
    }

    private static JsonObject read(Path input) {
        try {
            JsonObject report = JsonParser.parseString(Files.readString(input)).getAsJsonObject();
            if (!report.has("decode") || !report.has("model") || !report.has("weights")) {
                throw new IllegalArgumentException(input + " is not an exitstream bench report");
            }
            return report;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException(input + " is not JSON: " + e.getMessage());
        }
    }
}
