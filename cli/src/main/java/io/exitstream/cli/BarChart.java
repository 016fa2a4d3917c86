package io.exitstream.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Grouped bar charts, one panel per title, drawn with Java2D (headless, no fonts beyond the
 * JDK's logical ones) so that a benchmark run can be looked at rather than read.
 */
final class BarChart {

    /** One bar: which panel, which group on the x axis, which series (colour), its value. */
    record Bar(String panel, String group, String series, double value) {
    }

    private static final int PANEL_WIDTH = 520;
    private static final int HEIGHT = 380;
    private static final int MARGIN = 60;
    /**
     * The series colours of every chart the CLI draws: seaborn's "deep" palette, ten colours
     * that stay apart (a training curve draws one line per exit layer).
     */
    static final Color[] COLOURS = {
        new Color(0x4C72B0), new Color(0xDD8452), new Color(0x55A868), new Color(0xC44E52),
        new Color(0x8172B3), new Color(0x937860), new Color(0xDA8BC3), new Color(0x8C8C8C),
        new Color(0xCCB974), new Color(0x64B5CD)
    };

    private BarChart() {
    }

    static BufferedImage draw(String yLabel, List<Bar> bars) {
        Map<String, List<Bar>> panels = new LinkedHashMap<>();
        for (Bar bar : bars) {
            panels.computeIfAbsent(bar.panel(), k -> new ArrayList<>()).add(bar);
        }
        BufferedImage image = blankImage(PANEL_WIDTH * panels.size(), HEIGHT);
        Graphics2D g = antialiased(image);
        int x = 0;
        for (Map.Entry<String, List<Bar>> panel : panels.entrySet()) {
            drawPanel(g, x, panel.getKey(), yLabel, panel.getValue());
            x += PANEL_WIDTH;
        }
        g.dispose();
        return image;
    }

    private static void drawPanel(Graphics2D g, int left, String title, String yLabel,
            List<Bar> bars) {
        List<String> groups = bars.stream().map(Bar::group).distinct().toList();
        List<String> series = bars.stream().map(Bar::series).distinct().toList();
        double max = bars.stream().mapToDouble(Bar::value).max().orElse(1) * 1.15;
        int plotLeft = left + MARGIN;
        int plotRight = left + PANEL_WIDTH - 20;
        int plotTop = 50;
        int plotBottom = HEIGHT - 70;

        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, plotLeft, 25);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.drawString(yLabel, left + 8, plotTop - 12);
        g.setStroke(new BasicStroke(1f));
        g.drawLine(plotLeft, plotBottom, plotRight, plotBottom);
        g.drawLine(plotLeft, plotTop, plotLeft, plotBottom);
        for (int tick = 0; tick <= 4; tick++) {
            double value = max * tick / 4;
            int y = plotBottom - (int) ((plotBottom - plotTop) * tick / 4.0);
            g.setColor(new Color(0xE0E0E0));
            g.drawLine(plotLeft + 1, y, plotRight, y);
            g.setColor(Color.DARK_GRAY);
            String label = String.format("%.0f", value);
            g.drawString(label, plotLeft - 6 - g.getFontMetrics().stringWidth(label), y + 4);
        }

        int groupWidth = (plotRight - plotLeft) / groups.size();
        int barWidth = Math.max(4, (groupWidth - 20) / series.size());
        FontMetrics metrics = g.getFontMetrics();
        for (Bar bar : bars) {
            int gi = groups.indexOf(bar.group());
            int si = series.indexOf(bar.series());
            int height = (int) ((plotBottom - plotTop) * bar.value() / max);
            int x = plotLeft + gi * groupWidth + 10 + si * barWidth;
            g.setColor(COLOURS[si % COLOURS.length]);
            g.fillRect(x, plotBottom - height, barWidth - 2, height);
            g.setColor(Color.BLACK);
            String value = String.format("%.0f", bar.value());
            g.drawString(value, x + (barWidth - 2 - metrics.stringWidth(value)) / 2,
                    plotBottom - height - 3);
        }
        g.setColor(Color.BLACK);
        for (int gi = 0; gi < groups.size(); gi++) {
            String label = groups.get(gi);
            g.drawString(label, plotLeft + gi * groupWidth
                    + (groupWidth - metrics.stringWidth(label)) / 2, plotBottom + 16);
        }
        int legendX = plotLeft;
        for (int si = 0; si < series.size(); si++) {
            g.setColor(COLOURS[si % COLOURS.length]);
            g.fillRect(legendX, HEIGHT - 30, 12, 12);
            g.setColor(Color.BLACK);
            g.drawString(series.get(si), legendX + 16, HEIGHT - 20);
            legendX += 24 + metrics.stringWidth(series.get(si));
        }
    }

    /** A white image of the given size, the background every chart starts from. */
    static BufferedImage blankImage(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return image;
    }

    /** Graphics on {@code image} with antialiased shapes and text. */
    static Graphics2D antialiased(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING,
                RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        return g;
    }
}
