package io.exitstream.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.LongStream;

/**
 * Panels of x-y lines with labelled points, drawn with Java2D (headless), for trade-offs such
 * as speed against quality where both axes are measurements.
 */
final class LineChart {

    /** One point; its label, if any, is written beside it. */
    record Point(double x, double y, String label) {
    }

    /** One line of points, in the order given. */
    record Series(String name, List<Point> points) {
    }

    /** One panel: its title, axis labels and lines. */
    record Panel(String title, String xLabel, String yLabel, List<Series> series) {
    }

    private static final int MAX_MARKED_POINTS = 60;
    private static final int WIDTH = 560;
    private static final int HEIGHT = 420;
    private static final int LEFT = 70;
    private static final int TOP = 50;
    private static final int BOTTOM = 80;
    private static final Color[] COLOURS = BarChart.COLOURS;

    private LineChart() {
    }

    static BufferedImage draw(List<Panel> panels) {
        BufferedImage image = BarChart.blankImage(WIDTH * panels.size(), HEIGHT);
        Graphics2D g = BarChart.antialiased(image);
        for (int i = 0; i < panels.size(); i++) {
            drawPanel(g, i * WIDTH, panels.get(i));
        }
        g.dispose();
        return image;
    }

    private static void drawPanel(Graphics2D g, int left, Panel panel) {
        List<Point> all = panel.series().stream().flatMap(s -> s.points().stream()).toList();
        Range xs = Range.of(all.stream().mapToDouble(Point::x).toArray());
        Range ys = Range.of(all.stream().mapToDouble(Point::y).toArray());
        int x0 = left + LEFT;
        int x1 = left + WIDTH - 30;
        int y0 = HEIGHT - BOTTOM;
        int y1 = TOP;

        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(panel.title(), x0, 25);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (double tick : ys.ticks()) {
            int y = y0 - (int) Math.round((y0 - y1) * ys.fraction(tick));
            g.setColor(new Color(0xE0E0E0));
            g.drawLine(x0, y, x1, y);
            g.setColor(Color.DARK_GRAY);
            String label = ys.label(tick);
            g.drawString(label, x0 - 6 - g.getFontMetrics().stringWidth(label), y + 4);
        }
        for (double tick : xs.ticks()) {
            int x = x0 + (int) Math.round((x1 - x0) * xs.fraction(tick));
            g.setColor(new Color(0xE0E0E0));
            g.drawLine(x, y0, x, y1);
            g.setColor(Color.DARK_GRAY);
            String label = xs.label(tick);
            g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, y0 + 16);
        }
        g.setColor(Color.BLACK);
        g.drawLine(x0, y0, x1, y0);
        g.drawLine(x0, y0, x0, y1);
        g.drawString(panel.xLabel(), (x0 + x1 - g.getFontMetrics().stringWidth(panel.xLabel()))
                / 2, y0 + 34);
        g.drawString(panel.yLabel(), left + 8, TOP - 10);

        int legendX = x0;
        for (int s = 0; s < panel.series().size(); s++) {
            Series series = panel.series().get(s);
            Color colour = COLOURS[s % COLOURS.length];
            g.setColor(colour);
            g.setStroke(new BasicStroke(2f));
            int[] px = series.points().stream()
                    .mapToInt(p -> x0 + (int) Math.round((x1 - x0) * xs.fraction(p.x()))).toArray();
            int[] py = series.points().stream()
                    .mapToInt(p -> y0 - (int) Math.round((y0 - y1) * ys.fraction(p.y()))).toArray();
            g.drawPolyline(px, py, px.length);
            // Markers only where they can be told apart (a training curve has hundreds).
            for (int i = 0; i < px.length && px.length <= MAX_MARKED_POINTS; i++) {
                g.fillOval(px[i] - 4, py[i] - 4, 8, 8);
                g.setColor(Color.DARK_GRAY);
                String label = series.points().get(i).label();
                if (label != null) {
                    g.drawString(label, px[i] + 6, py[i] - 6);
                }
                g.setColor(colour);
            }
            g.fillRect(legendX, HEIGHT - 28, 12, 12);
            g.setColor(Color.BLACK);
            g.drawString(series.name(), legendX + 16, HEIGHT - 18);
            legendX += 30 + g.getFontMetrics().stringWidth(series.name());
        }
        g.setStroke(new BasicStroke(1f));
    }

    /**
     * An axis's extent, padded by 5% so that points do not sit on the frame, and its ticks at
     * round values (1, 2 or 5 times a power of ten), as a reader would mark it by hand.
     */
    record Range(double min, double max) {

        private static final int ABOUT_TICKS = 5;

        static Range of(double[] values) {
            double lo = Arrays.stream(values).min().orElse(0);
            double hi = Arrays.stream(values).max().orElse(1);
            double pad = hi > lo ? (hi - lo) * 0.05 : Math.max(Math.abs(hi) * 0.05, 1e-3);
            return new Range(lo - pad, hi + pad);
        }

        double fraction(double value) {
            return (value - min) / (max - min);
        }

        /** The round values inside the extent, about five of them. */
        double[] ticks() {
            double step = step();
            long first = (long) Math.ceil(min / step);
            long last = (long) Math.floor(max / step);
            // Multiples of the step, not a running sum, keep 0.30000000000000004 out of labels.
            return LongStream.rangeClosed(first, last)
                    .mapToDouble(i -> i * step).toArray();
        }

        /** A tick's label, with as many decimals as the step between ticks needs. */
        String label(double tick) {
            int decimals = Math.max(0, (int) -Math.floor(Math.log10(step()) + 1e-9));
            return String.format(Locale.ROOT, "%." + decimals + "f", tick);
        }

        private double step() {
            double rough = (max - min) / ABOUT_TICKS;
            double power = Math.pow(10, Math.floor(Math.log10(rough)));
            double scaled = rough / power;
            double round = scaled < 1.5 ? 1 : scaled < 3 ? 2 : scaled < 7 ? 5 : 10;
            return round * power;
        }
    }
}
