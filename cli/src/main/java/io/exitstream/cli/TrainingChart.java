package io.exitstream.cli;

import io.exitstream.compression.nn.LossCurves;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** A training run's loss curves as a picture ({@code loss.png} beside the trained model). */
final class TrainingChart {

    private TrainingChart() {
    }

    /**
     * Draws {@code curves} into {@code png}: the last layer's training loss (averaged over runs
     * of steps, at most 400 points) with its held-out evaluations, and beside it the held-out
     * loss after every exit layer as training went on.
     */
    static void write(LossCurves curves, Path png) {
        List<double[]> training = curves.training();
        List<LineChart.Point> points = new ArrayList<>();
        int stride = Math.max(1, training.size() / 400);
        for (int i = 0; i < training.size(); i += stride) {
            double mean = 0;
            int n = Math.min(stride, training.size() - i);
            for (int j = i; j < i + n; j++) {
                mean += training.get(j)[1] / n;
            }
            points.add(new LineChart.Point(training.get(i)[0], mean, null));
        }
        List<double[]> evaluations = curves.heldOut();
        int exits = evaluations.isEmpty() ? 0 : evaluations.get(0).length - 1;
        List<LineChart.Series> lastLayer = new ArrayList<>();
        lastLayer.add(new LineChart.Series("train", points));
        List<LineChart.Series> byExit = new ArrayList<>();
        for (int exit = 1; exit <= exits; exit++) {
            int column = exit;
            List<LineChart.Point> heldOut = evaluations.stream()
                    .map(row -> new LineChart.Point(row[0], row[column], null)).toList();
            if (exit == exits) {
                lastLayer.add(new LineChart.Series("held-out", heldOut));
            }
            byExit.add(new LineChart.Series(String.valueOf(exit), heldOut));
        }
        List<LineChart.Panel> panels = new ArrayList<>();
        panels.add(new LineChart.Panel("Loss (last layer)", "step", "nats per token",
                lastLayer));
        if (exits > 0) {
            panels.add(new LineChart.Panel("Held-out loss by exit layer", "step",
                    "nats per token", byExit));
        }
        try {
            ImageIO.write(LineChart.draw(panels), "png", png.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
