package io.exitstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartCommandTest {

    @TempDir
    Path tmp;

    @Test
    void drawsOnePanelPerModelFromBenchReports() throws IOException {
        Path a = report("synthetic s15M", "float32", 300, 900);
        Path b = report("synthetic s15M", "bfloat16", 350, 1500);
        Path c = report("synthetic s110M", "float32", 40, 150);
        Path png = tmp.resolve("charts/decode.png");

        CliRun run = CliRun.of("chart", a.toString(), b.toString(), c.toString(),
                "--out", png.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(2 * 520);
        assertThat(image.getHeight()).isEqualTo(380);
        // The tallest bar (s15M bfloat16, batch 16) is drawn in the second series colour.
        assertThat(countPixels(image, 0xDD8452)).isGreaterThan(1000);
    }

    @Test
    void aFileThatIsNotABenchReportIsOneLine() throws IOException {
        Path notes = Files.writeString(tmp.resolve("notes.json"), "{\"hello\": 1}");
        CliRun run = CliRun.of("chart", notes.toString(), "--out", tmp.resolve("x.png").toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("is not an exitstream bench report");
    }

    private Path report(String model, String weights, double batch1, double batch16)
            throws IOException {
        String json = """
                {"model": "%s", "weights": "%s", "decode": [
                  {"batch": 1, "tokens_per_s": %s}, {"batch": 16, "tokens_per_s": %s}]}
                """.formatted(model, weights, batch1, batch16);
        return Files.writeString(tmp.resolve(model.replace(' ', '_') + weights + ".json"), json);
    }

    private static int countPixels(BufferedImage image, int rgb) {
        int count = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xFFFFFF) == rgb) {
                    count++;
                }
            }
        }
        return count;
    }
}
