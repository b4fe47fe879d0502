package rft3d.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import rft3d.geometry.RigidTransform;
import rft3d.reward.GroundingTask;

/**
 * Reads a dataset in rft3d's on-disk schema — synthetic or converted from real scans (for example
 * ScanNet frames with their poses): {@code <split>.jsonl} samples, and for each scene
 * {@code scenes/<id>/meta.json} with {@code camera} intrinsics and {@code cam2global} poses,
 * {@code frame_KK.png} and {@code depth_KK.png} (16-bit millimetres).
 */
public final class DatasetReader {
    /** Where a dataset keeps a split's GT of a task ({@link DatasetWriter} writes it there). */
    public static Path truthFile(Path data, String split, String task) {
        return data.resolve(split + "_" + task + "_gt.jsonl");
    }

    static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path dir;

    public DatasetReader(Path dir) throws IOException {
        if (!Files.isDirectory(dir.resolve("scenes"))) {
            throw new IOException("not a dataset directory (no scenes/): " + dir + " — create one with ./rft gen-data");
        }
        this.dir = dir;
    }

    /**
     * The samples of a split.
     *
     * @throws IOException naming the file and line of any bad sample
     */
    public List<Sample> samples(String split) throws IOException {
        Path file = dir.resolve(split + ".jsonl");
        if (!Files.isRegularFile(file)) throw new IOException("no split file " + file);
        List<Sample> out = new ArrayList<>();
        int line = 0;
        for (String text : Files.readAllLines(file)) {
            line++;
            if (text.isBlank()) continue;
            JsonNode n = MAPPER.readTree(text);
            for (String field : List.of("id", "scene", "task", "prompt", "answer", "gt")) {
                if (!n.has(field)) throw new IOException(file + ":" + line + ": missing field '" + field + "'");
            }
            out.add(new Sample(n.get("id").asText(), n.get("scene").asText(), n.get("task").asText(), n.get("prompt").asText(),
                    n.get("answer").asText(), n.get("gt")));
        }
        return out;
    }

    /** The video of a scene (frames, depth, poses), read from disk. */
    public Video video(String scene) throws IOException {
        return load(dir.resolve("scenes").resolve(scene));
    }

    private static Video load(Path sceneDir) throws IOException {
        Path metaFile = sceneDir.resolve("meta.json");
        if (!Files.isRegularFile(metaFile)) throw new IOException("missing " + metaFile);
        JsonNode meta = MAPPER.readTree(metaFile.toFile());
        JsonNode c = meta.get("camera");
        Scene.Camera camera = new Scene.Camera(c.get("width").asInt(), c.get("height").asInt(), c.get("fx").asDouble(),
                c.get("fy").asDouble(), c.get("cx").asDouble(), c.get("cy").asDouble());
        List<RigidTransform> poses = new ArrayList<>();
        JsonNode ps = meta.get("cam2global");
        for (int i = 0; i < ps.size(); i++) poses.add(GroundingTask.matrix(ps.get(i), metaFile + " cam2global[" + i + "]"));
        int frames = poses.size();
        float[][][][] rgb = new float[frames][][][];
        float[][][] depth = new float[frames][][];
        for (int f = 0; f < frames; f++) {
            BufferedImage img = read(sceneDir.resolve(String.format("frame_%02d.png", f)));
            BufferedImage d = read(sceneDir.resolve(String.format("depth_%02d.png", f)));
            int w = img.getWidth(), h = img.getHeight();
            if (w != camera.width() || h != camera.height() || d.getWidth() != w || d.getHeight() != h) {
                throw new IOException(sceneDir + ": frame " + f + " is " + w + "x" + h + ", camera says " + camera.width() + "x" + camera.height());
            }
            rgb[f] = new float[3][h][w];
            depth[f] = new float[h][w];
            Raster dr = d.getRaster();
            for (int v = 0; v < h; v++) {
                for (int u = 0; u < w; u++) {
                    int p = img.getRGB(u, v);
                    rgb[f][0][v][u] = ((p >> 16) & 255) / 255f;
                    rgb[f][1][v][u] = ((p >> 8) & 255) / 255f;
                    rgb[f][2][v][u] = (p & 255) / 255f;
                    depth[f][v][u] = dr.getSample(u, v, 0) / 1000f;
                }
            }
        }
        return new Video(rgb, depth, poses, camera);
    }

    private static BufferedImage read(Path p) throws IOException {
        if (!Files.isRegularFile(p)) throw new IOException("missing frame " + p);
        BufferedImage img = ImageIO.read(p.toFile());
        if (img == null) throw new IOException("not an image: " + p);
        return img;
    }
}
