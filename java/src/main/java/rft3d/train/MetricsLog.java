package rft3d.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Training metrics: one JSON line per logged step in {@code metrics.jsonl} (appended, so a resumed run
 * continues the file), a progress line on the terminal, and a PNG plot of chosen series at the end.
 */
final class MetricsLog implements AutoCloseable {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path dir;
    private final BufferedWriter out;
    private final Map<String, List<double[]>> series = new LinkedHashMap<>();
    /** Cleared, once per process, when fonts turn out unusable. */
    private static final java.util.concurrent.atomic.AtomicBoolean LABELS = new java.util.concurrent.atomic.AtomicBoolean(true);

    /**
     * Opens {@code dir/metrics.jsonl} for a run that has completed {@code completedSteps} steps (the
     * checkpoint it resumes from, 0 for a fresh run): lines of later steps, written by a run whose
     * checkpoint was lost, are dropped so the file never repeats or mixes steps, and the kept lines go into
     * the plot.
     */
    MetricsLog(Path dir, int completedSteps) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        Path file = dir.resolve("metrics.jsonl");
        if (Files.exists(file)) truncateAfter(file, completedSteps);
        this.out = Files.newBufferedWriter(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private void truncateAfter(Path file, int completedSteps) throws IOException {
        List<String> kept = new ArrayList<>();
        int dropped = 0;
        for (String line : Files.readAllLines(file)) {
            JsonNode o;
            try {
                o = MAPPER.readTree(line);
            } catch (IOException e) {
                o = null; // a line torn by a crash
            }
            if (o == null || !o.isObject() || o.path("step").asInt(Integer.MAX_VALUE) > completedSteps) {
                dropped++;
                continue;
            }
            kept.add(line);
            String stage = o.path("stage").asText();
            int step = o.get("step").asInt();
            o.fields().forEachRemaining(e -> {
                if (e.getValue().isNumber() && !e.getKey().equals("step")) {
                    series.computeIfAbsent(stage + "/" + e.getKey(), x -> new ArrayList<>()).add(new double[] {step, e.getValue().asDouble()});
                }
            });
        }
        if (dropped == 0) return;
        Path tmp = file.resolveSibling("metrics.jsonl.tmp");
        Files.write(tmp, kept);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.err.printf("[metrics] %s: kept %d lines up to step %d, dropped %d from after the checkpoint%n", file, kept.size(),
                completedSteps, dropped);
    }

    /** Writes one step's metrics and keeps them for the plot. */
    void log(String stage, int step, Map<String, Double> values) throws IOException {
        ObjectNode o = MAPPER.createObjectNode().put("stage", stage).put("step", step);
        values.forEach(o::put);
        out.write(MAPPER.writeValueAsString(o));
        out.write('\n');
        out.flush();
        values.forEach((k, v) -> series.computeIfAbsent(stage + "/" + k, x -> new ArrayList<>()).add(new double[] {step, v}));
    }

    /** "[sft] step 40/300  loss 1.234 …  eta 12s", the ETA from the seconds per step so far. */
    static String progress(String stage, int step, int total, Map<String, Double> values, double secondsPerStep) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "[%s] step %d/%d", stage, step, total));
        values.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  %s %.4g", k, v)));
        return sb.append(String.format(Locale.ROOT, "  eta %.0fs", secondsPerStep * (total - step))).toString();
    }

    /** Draws the named series (one panel each) into {@code name}.png; missing series are skipped. */
    void plot(String name, List<String> keys) throws IOException {
        List<String> present = keys.stream().filter(series::containsKey).toList();
        if (present.isEmpty()) return;
        int w = 640, panel = 200;
        BufferedImage img = new BufferedImage(w, panel * present.size(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        for (int p = 0; p < present.size(); p++) {
            List<double[]> pts = series.get(present.get(p));
            int top = p * panel + 20, left = 60, right = w - 20, bottom = (p + 1) * panel - 30;
            double x0 = pts.get(0)[0], x1 = pts.get(pts.size() - 1)[0], y0 = Double.MAX_VALUE, y1 = -Double.MAX_VALUE;
            for (double[] q : pts) {
                y0 = Math.min(y0, q[1]);
                y1 = Math.max(y1, q[1]);
            }
            if (y1 - y0 < 1e-9) y1 = y0 + 1;
            if (x1 == x0) x1 = x0 + 1;
            g.setColor(Color.GRAY);
            g.drawRect(left, top, right - left, bottom - top);
            g.setColor(Color.BLACK);
            label(g, present.get(p), left, top - 5);
            label(g, String.format(Locale.ROOT, "%.3g", y1), 5, top + 10);
            label(g, String.format(Locale.ROOT, "%.3g", y0), 5, bottom);
            label(g, "step " + (long) x0 + " … " + (long) x1, left, bottom + 18);
            g.setColor(new Color(30, 90, 200));
            g.setStroke(new BasicStroke(1.8f));
            for (int i = 1; i < pts.size(); i++) {
                g.drawLine(sx(pts.get(i - 1)[0], x0, x1, left, right), sy(pts.get(i - 1)[1], y0, y1, top, bottom),
                        sx(pts.get(i)[0], x0, x1, left, right), sy(pts.get(i)[1], y0, y1, top, bottom));
            }
        }
        g.dispose();
        ImageIO.write(img, "png", dir.resolve(name + ".png").toFile());
    }

    /**
     * Draws text unless fonts are unusable (a headless machine without fonts makes java.awt throw): the
     * curves are still drawn, without labels, and that is said once.
     */
    private void label(Graphics2D g, String text, int x, int y) {
        if (!LABELS.get()) return;
        try {
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.drawString(text, x, y);
        } catch (RuntimeException | Error e) {
            if (LABELS.getAndSet(false)) System.err.println("[metrics] no usable fonts (" + e + "): plots are drawn without labels");
        }
    }

    private static int sx(double x, double x0, double x1, int left, int right) {
        return (int) Math.round(left + (x - x0) / (x1 - x0) * (right - left));
    }

    private static int sy(double y, double y0, double y1, int top, int bottom) {
        return (int) Math.round(bottom - (y - y0) / (y1 - y0) * (bottom - top));
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
