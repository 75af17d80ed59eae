package dev.klotski.engine.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * PNG charts of {@code bench --modes} results, drawn with Java2D (headless): a bar per mode, and lines of a
 * figure against the device budget, one per mode. Plain on purpose: axes, ticks, labels and a legend.
 */
final class BenchCharts {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 520;
    private static final int LEFT = 90;
    private static final int RIGHT = 200;
    private static final int TOP = 60;
    private static final int BOTTOM = 70;
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0x7f7f7f)};

    private BenchCharts() {
    }

    /** One bar per label, in order. */
    static void bars(Path file, String title, String yLabel, List<String> labels, List<Double> values) throws IOException {
        Canvas c = new Canvas(title);
        double max = niceMax(values.stream().mapToDouble(Double::doubleValue).max().orElse(1));
        c.yAxis(max, yLabel);
        int plotW = WIDTH - LEFT - RIGHT;
        int slot = plotW / Math.max(1, labels.size());
        for (int i = 0; i < labels.size(); i++) {
            int h = (int) Math.round(values.get(i) / max * c.plotH());
            int x = LEFT + i * slot + slot / 6;
            c.g.setColor(PALETTE[i % PALETTE.length]);
            c.g.fillRect(x, TOP + c.plotH() - h, slot * 2 / 3, h);
            c.g.setColor(Color.BLACK);
            c.centered(String.format(Locale.ROOT, "%.1f", values.get(i)), x + slot / 3, TOP + c.plotH() - h - 6);
            c.centered(labels.get(i), x + slot / 3, TOP + c.plotH() + 20);
        }
        c.write(file);
    }

    /** One line per series over shared x values (budget shares in percent). */
    static void lines(Path file, String title, String xLabel, String yLabel, List<Double> xs,
                      Map<String, List<Double>> series) throws IOException {
        Canvas c = new Canvas(title);
        double max = niceMax(series.values().stream().flatMap(List::stream).mapToDouble(Double::doubleValue).max()
                .orElse(1));
        c.yAxis(max, yLabel);
        double xMin = xs.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        double xMax = xs.stream().mapToDouble(Double::doubleValue).max().orElse(1);
        int plotW = WIDTH - LEFT - RIGHT;
        java.util.function.DoubleToIntFunction px = x -> LEFT + (int) Math.round((x - xMin) / Math.max(1e-9, xMax - xMin) * plotW);
        c.g.setColor(Color.BLACK);
        for (double x : xs) {
            c.centered(String.format(Locale.ROOT, "%.0f%%", x), px.applyAsInt(x), TOP + c.plotH() + 20);
        }
        c.centered(xLabel, LEFT + plotW / 2, TOP + c.plotH() + 45);
        int k = 0;
        for (Map.Entry<String, List<Double>> s : series.entrySet()) {
            Color color = PALETTE[k % PALETTE.length];
            c.g.setColor(color);
            c.g.setStroke(new BasicStroke(2.5f));
            List<Double> ys = s.getValue();
            for (int i = 0; i < ys.size(); i++) {
                int x = px.applyAsInt(xs.get(i));
                int y = TOP + c.plotH() - (int) Math.round(ys.get(i) / max * c.plotH());
                c.g.fillOval(x - 4, y - 4, 8, 8);
                if (i > 0) {
                    int x0 = px.applyAsInt(xs.get(i - 1));
                    int y0 = TOP + c.plotH() - (int) Math.round(ys.get(i - 1) / max * c.plotH());
                    c.g.drawLine(x0, y0, x, y);
                }
            }
            int ly = TOP + 20 + 24 * k;
            c.g.fillRect(WIDTH - RIGHT + 20, ly - 10, 24, 10);
            c.g.setColor(Color.BLACK);
            c.g.drawString(s.getKey(), WIDTH - RIGHT + 52, ly);
            k++;
        }
        c.write(file);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code v}. */
    static double niceMax(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    /** An image with a title, antialiased text and a frame for the plot area. */
    private static final class Canvas {
        final BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();

        Canvas(String title) {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString(title, LEFT, 30);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        }

        int plotH() {
            return HEIGHT - TOP - BOTTOM;
        }

        void yAxis(double max, String label) {
            int plotW = WIDTH - LEFT - RIGHT;
            g.setColor(Color.BLACK);
            g.drawLine(LEFT, TOP, LEFT, TOP + plotH());
            g.drawLine(LEFT, TOP + plotH(), LEFT + plotW, TOP + plotH());
            for (int i = 0; i <= 5; i++) {
                double v = max * i / 5;
                int y = TOP + plotH() - plotH() * i / 5;
                g.setColor(new Color(0xdddddd));
                g.drawLine(LEFT + 1, y, LEFT + plotW, y);
                g.setColor(Color.BLACK);
                String text = String.format(Locale.ROOT, v >= 10 ? "%.0f" : "%.1f", v);
                g.drawString(text, LEFT - 8 - g.getFontMetrics().stringWidth(text), y + 4);
            }
            Graphics2D r = (Graphics2D) g.create();
            r.rotate(-Math.PI / 2);
            r.drawString(label, -(TOP + plotH() / 2 + r.getFontMetrics().stringWidth(label) / 2), 25);
            r.dispose();
        }

        void centered(String text, int x, int y) {
            FontMetrics fm = g.getFontMetrics();
            g.drawString(text, x - fm.stringWidth(text) / 2, y);
        }

        void write(Path file) throws IOException {
            g.dispose();
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            ImageIO.write(image, "png", file.toFile());
        }
    }
}
