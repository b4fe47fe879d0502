package rft3d.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import rft3d.geometry.Box3D;
import rft3d.geometry.Iou3D;
import rft3d.geometry.RigidTransform;

/**
 * Deterministic synthetic rooms: a few furniture objects with ScanNet-like classes and sizes standing on
 * the floor at random positions and headings, and a camera that walks an arc around the room looking at
 * its centre. The same seed always gives the same scene.
 */
public final class SceneGenerator {
    /** A class: label, typical size (x, y, z in metres) and colour. */
    record ObjectClass(String label, double sx, double sy, double sz, double[] color) {}

    static final List<ObjectClass> CLASSES = List.of(
            new ObjectClass("chair", 0.5, 0.5, 0.9, new double[] {0.85, 0.25, 0.2}),
            new ObjectClass("table", 1.2, 0.8, 0.75, new double[] {0.55, 0.35, 0.15}),
            new ObjectClass("bed", 2.0, 1.5, 0.6, new double[] {0.2, 0.4, 0.85}),
            new ObjectClass("cabinet", 0.6, 0.5, 1.1, new double[] {0.9, 0.8, 0.2}),
            new ObjectClass("couch", 1.9, 0.9, 0.8, new double[] {0.25, 0.7, 0.3}),
            new ObjectClass("lamp", 0.35, 0.35, 1.5, new double[] {0.9, 0.9, 0.9}));

    /** Labels in class order. */
    public static List<String> labels() {
        return CLASSES.stream().map(ObjectClass::label).toList();
    }

    private final int frames;
    private final Scene.Camera camera;

    /**
     * @param frames frames per video
     * @param resolution square image side in pixels
     */
    public SceneGenerator(int frames, int resolution) {
        if (frames < 1 || resolution < 8) throw new IllegalArgumentException("need >= 1 frame and >= 8 pixels");
        this.frames = frames;
        double f = resolution * 0.6; // about 80 degrees of horizontal field of view
        this.camera = new Scene.Camera(resolution, resolution, f, f, resolution / 2.0, resolution / 2.0);
    }

    /** The scene of a seed. */
    public Scene generate(String id, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double roomX = rnd.nextDouble(4, 6), roomY = rnd.nextDouble(4, 6);
        int count = 2 + rnd.nextInt(3);
        List<Scene.SceneObject> objects = new ArrayList<>();
        for (int attempt = 0; objects.size() < count && attempt < 200; attempt++) {
            ObjectClass c = CLASSES.get(rnd.nextInt(CLASSES.size()));
            double k = rnd.nextDouble(0.85, 1.15);
            double sx = round(c.sx() * k), sy = round(c.sy() * k), sz = round(c.sz() * k);
            double x = round(rnd.nextDouble(-roomX / 2 + 0.8, roomX / 2 - 0.8));
            double y = round(rnd.nextDouble(-roomY / 2 + 0.8, roomY / 2 - 0.8));
            double yaw = round(rnd.nextDouble(-Math.PI / 2, Math.PI / 2));
            Box3D box = Box3D.of(x, y, sz / 2, sx, sy, sz, yaw);
            Box3D margin = Box3D.of(x, y, sz / 2, sx + 0.3, sy + 0.3, sz, yaw);
            boolean free = objects.stream().noneMatch(o -> Iou3D.intersectionVolume(o.box(), margin) > 0);
            if (free) objects.add(new Scene.SceneObject(c.label(), c.color(), box));
        }
        List<RigidTransform> poses = new ArrayList<>();
        double start = rnd.nextDouble(0, 2 * Math.PI), radius = Math.min(roomX, roomY) / 2 - 0.3;
        for (int f = 0; f < frames; f++) {
            double a = start + 0.9 * f / Math.max(1, frames - 1); // an arc of ~50 degrees
            double[] eye = {radius * Math.cos(a), radius * Math.sin(a), rnd.nextDouble(1.3, 1.7)};
            double[] target = {rnd.nextDouble(-0.3, 0.3), rnd.nextDouble(-0.3, 0.3), 0.6};
            poses.add(lookAt(eye, target));
        }
        return new Scene(id, objects, poses, camera);
    }

    /** Quantised to 5 cm (or 0.05 rad): the answer grammar's grid, so exact answers exist. */
    static double round(double v) {
        return Math.round(v * 20) / 20.0;
    }

    /** Camera-to-world pose of a camera at {@code eye} looking at {@code target}, world z up, OpenCV axes. */
    static RigidTransform lookAt(double[] eye, double[] target) {
        double[] f = normalize(new double[] {target[0] - eye[0], target[1] - eye[1], target[2] - eye[2]});
        double[] r = normalize(cross(f, new double[] {0, 0, 1}));
        double[] d = cross(f, r);
        double[][] rot = {{r[0], d[0], f[0]}, {r[1], d[1], f[1]}, {r[2], d[2], f[2]}};
        return RigidTransform.of(rot, eye[0], eye[1], eye[2]);
    }

    static double[] cross(double[] a, double[] b) {
        return new double[] {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
    }

    static double[] normalize(double[] v) {
        double n = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        return new double[] {v[0] / n, v[1] / n, v[2] / n};
    }
}
