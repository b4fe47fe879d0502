package rft3d.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import rft3d.geometry.Box3D;
import rft3d.geometry.GroundingConvention;
import rft3d.geometry.LabeledBox;
import rft3d.geometry.RigidTransform;
import rft3d.reward.RewardConfig;

/**
 * Writes a synthetic dataset a person can open: {@code scenes/<id>/frame_KK.png} (RGB),
 * {@code depth_KK.png} (16-bit, millimetres), {@code meta.json} (intrinsics, camera-to-world poses,
 * objects), and per split {@code <split>.jsonl} samples plus {@code <split>_<task>_gt.jsonl} files in the
 * evaluator's schema.
 */
public final class DatasetWriter {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private DatasetWriter() {}

    /**
     * Generates and writes {@code train} and {@code eval} scenes (seeds derived from {@code seed}) on
     * {@code threads} threads; each scene depends only on its own seed, so the files do not depend on
     * {@code threads}.
     *
     * @throws IOException when the directory cannot be written
     */
    public static void write(Path dir, int train, int eval, int frames, int resolution, long seed, int threads) throws IOException {
        SceneGenerator gen = new SceneGenerator(frames, resolution);
        Files.createDirectories(dir.resolve("scenes"));
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            writeSplit(dir, "train", gen, train, seed * 1_000_003L, pool);
            writeSplit(dir, "eval", gen, eval, seed * 1_000_003L + 500_000_000L, pool);
        } finally {
            pool.shutdown();
        }
    }

    private static void writeSplit(Path dir, String split, SceneGenerator gen, int n, long seedBase, ForkJoinPool pool) throws IOException {
        List<List<Sample>> perScene;
        try {
            perScene = pool.submit(() -> IntStream.range(0, n).parallel().mapToObj(i -> {
                Scene scene = gen.generate(String.format("%s%05d", split, i), seedBase + i);
                try {
                    writeScene(dir.resolve("scenes").resolve(scene.id()), scene);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return samples(scene);
            }).toList()).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing " + split + " scenes", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UncheckedIOException u) throw u.getCause();
            throw new IOException("writing " + split + " scenes failed", e.getCause());
        }
        List<Sample> samples = new ArrayList<>();
        perScene.forEach(samples::addAll);
        Map<String, BufferedWriter> gtFiles = new TreeMap<>();
        try (BufferedWriter out = Files.newBufferedWriter(dir.resolve(split + ".jsonl"))) {
            for (Sample s : samples) {
                ObjectNode o = MAPPER.createObjectNode();
                o.put("id", s.id()).put("scene", s.scene()).put("task", s.task()).put("prompt", s.prompt()).put("answer", s.answer());
                o.set("gt", s.gt());
                out.write(MAPPER.writeValueAsString(o));
                out.write('\n');
                BufferedWriter gt = gtFiles.get(s.task());
                if (gt == null) {
                    gt = Files.newBufferedWriter(DatasetReader.truthFile(dir, split, s.task()));
                    gtFiles.put(s.task(), gt);
                }
                ObjectNode g = ((ObjectNode) s.gt().deepCopy()).put("id", s.id());
                gt.write(MAPPER.writeValueAsString(g));
                gt.write('\n');
            }
        } finally {
            for (BufferedWriter w : gtFiles.values()) w.close();
        }
    }

    /**
     * The samples of a scene: detection, grounding of a uniquely-labelled object, and VSI-Bench-style spatial
     * questions (counting, absolute distance, object size, relative direction as multiple choice); the
     * spatial GT carries its VSI-Bench {@code question_type}.
     */
    /** Reference grounding answers are written in the convention the reward and the evaluator read by default. */
    static final GroundingConvention GROUNDING = RewardConfig.defaults().groundingConvention();

    static List<Sample> samples(Scene scene) {
        List<Sample> out = new ArrayList<>();
        // Taught in a form a model can learn: left to right as seen in frame 0, each box with its smallest
        // Euler angles (the same boxes, so the benchmark's IoU is unchanged).
        List<LabeledBox> camBoxes = new ArrayList<>();
        for (Scene.SceneObject o : scene.objects()) camBoxes.add(new LabeledBox(o.label(), scene.inFrame(o.box(), 0).canonical()));
        camBoxes.sort(java.util.Comparator.comparingDouble(b -> b.box().x()));
        ArrayNode gtBoxes = MAPPER.createArrayNode();
        for (LabeledBox b : camBoxes) gtBoxes.addObject().put("label", b.label()).set("bbox_3d", MAPPER.valueToTree(b.box().toArray()));
        ObjectNode det = MAPPER.createObjectNode();
        det.set("boxes", gtBoxes);
        out.add(new Sample(scene.id() + "_det", scene.id(), "detection", "detect all objects", Answers.detection(camBoxes), det));

        Scene.SceneObject target = scene.objects().stream()
                .filter(o -> scene.objects().stream().filter(p -> p.label().equals(o.label())).count() == 1)
                .findFirst().orElse(scene.objects().get(0));
        int frame = bestFrame(scene, target.box());
        ObjectNode ground = MAPPER.createObjectNode().put("frame", frame);
        ground.set("gt_bbox", MAPPER.valueToTree(target.box().toArray()));
        ArrayNode poses = ground.putArray("cam2global");
        for (RigidTransform p : scene.poses()) poses.add(MAPPER.valueToTree(p.toRowMajor()));
        out.add(new Sample(scene.id() + "_ground", scene.id(), "grounding", "find the " + target.label(),
                Answers.grounding(target.label(), frame, GROUNDING.fromWorld(scene.poses().get(frame), target.box())), ground));

        String label = scene.objects().get(scene.objects().size() - 1).label();
        int count = (int) scene.objects().stream().filter(o -> o.label().equals(label)).count();
        out.add(new Sample(scene.id() + "_count", scene.id(), "numeric", "how many " + label + " are there",
                Answers.count(label, count), spatial(count, "object_counting")));

        if (scene.objects().size() < 2) return out; // no pair to ask about (placement can fail in a tiny room)
        Scene.SceneObject a = scene.objects().get(0), b = scene.objects().get(1);
        double distance = Math.hypot(a.box().x() - b.box().x(), a.box().y() - b.box().y());
        out.add(new Sample(scene.id() + "_dist", scene.id(), "numeric", "how far is the " + a.label() + " from the " + b.label(),
                Answers.measure("distance", distance), spatial(Double.parseDouble(Answers.number(distance)), "object_abs_distance")));
        out.add(new Sample(scene.id() + "_size", scene.id(), "numeric", "how tall is the " + target.label(),
                Answers.measure("height", target.box().sz()), spatial(target.box().sz(), "object_size_estimation")));

        // Left or right as seen in the first frame (camera x grows to the right).
        double ax = scene.inFrame(a.box(), 0).x(), bx = scene.inFrame(b.box(), 0).x();
        String letter = ax < bx ? "A" : "B";
        ObjectNode mc = MAPPER.createObjectNode().put("answer", letter).put("question_type", "object_rel_direction_easy");
        out.add(new Sample(scene.id() + "_dir", scene.id(), "mc", "is the " + a.label() + " left or right of the " + b.label()
                + " in frame 0 A left B right", Answers.choice(letter), mc));
        return out;
    }

    private static ObjectNode spatial(double answer, String questionType) {
        return MAPPER.createObjectNode().put("answer", answer).put("question_type", questionType);
    }

    /** The frame whose optical axis points most directly at the box centre. */
    static int bestFrame(Scene scene, Box3D box) {
        int best = 0;
        double bestCos = -2;
        for (int f = 0; f < scene.poses().size(); f++) {
            double[] c = scene.poses().get(f).inverse().applyToPoint(box.x(), box.y(), box.z());
            double cos = c[2] / Math.sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
            if (cos > bestCos) {
                bestCos = cos;
                best = f;
            }
        }
        return best;
    }

    static void writeScene(Path dir, Scene scene) throws IOException {
        Files.createDirectories(dir);
        for (int f = 0; f < scene.poses().size(); f++) {
            Renderer.Frame frame = Renderer.render(scene, f);
            int h = frame.depth().length, w = frame.depth()[0].length;
            BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            BufferedImage depth = new BufferedImage(w, h, BufferedImage.TYPE_USHORT_GRAY);
            WritableRaster raster = depth.getRaster();
            for (int v = 0; v < h; v++) {
                for (int u = 0; u < w; u++) {
                    int r = channel(frame.rgb()[0][v][u]), g = channel(frame.rgb()[1][v][u]), b = channel(frame.rgb()[2][v][u]);
                    rgb.setRGB(u, v, (r << 16) | (g << 8) | b);
                    raster.setSample(u, v, 0, Math.min(65535, Math.round(frame.depth()[v][u] * 1000)));
                }
            }
            ImageIO.write(rgb, "png", dir.resolve(String.format("frame_%02d.png", f)).toFile());
            ImageIO.write(depth, "png", dir.resolve(String.format("depth_%02d.png", f)).toFile());
        }
        ObjectNode meta = MAPPER.createObjectNode().put("id", scene.id());
        Scene.Camera c = scene.camera();
        meta.putObject("camera").put("width", c.width()).put("height", c.height()).put("fx", c.fx()).put("fy", c.fy())
                .put("cx", c.cx()).put("cy", c.cy());
        ArrayNode poses = meta.putArray("cam2global");
        for (RigidTransform p : scene.poses()) poses.add(MAPPER.valueToTree(p.toRowMajor()));
        ArrayNode objects = meta.putArray("objects");
        for (Scene.SceneObject o : scene.objects()) {
            objects.addObject().put("label", o.label()).set("bbox_3d", MAPPER.valueToTree(o.box().toArray()));
        }
        MAPPER.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("meta.json").toFile(), meta);
    }

    private static int channel(float v) {
        return Math.max(0, Math.min(255, Math.round(v * 255)));
    }
}
