package rft3d.data;

import rft3d.geometry.Box3D;
import rft3d.geometry.RigidTransform;

/**
 * Ray-casts a scene from one pose: RGB (objects in their colours with simple shading, floor and walls in
 * greys) and metric depth along the camera's z axis.
 */
public final class Renderer {
    private Renderer() {}

    /** One frame: {@code rgb[3][h][w]} in 0..1 and {@code depth[h][w]} in metres (0 = nothing hit). */
    public record Frame(float[][][] rgb, float[][] depth) {}

    private static final double[] LIGHT = SceneGenerator.normalize(new double[] {0.4, 0.3, 1.0});

    public static Frame render(Scene scene, int frame) {
        Scene.Camera cam = scene.camera();
        RigidTransform pose = scene.poses().get(frame);
        double[] m = pose.toRowMajor();
        double[] eye = {m[3], m[7], m[11]};
        int w = cam.width(), h = cam.height();
        float[][][] rgb = new float[3][h][w];
        float[][] depth = new float[h][w];
        for (int v = 0; v < h; v++) {
            for (int u = 0; u < w; u++) {
                double cx = (u + 0.5 - cam.cx()) / cam.fx(), cy = (v + 0.5 - cam.cy()) / cam.fy();
                // Ray in world: R * (cx, cy, 1); t is distance per unit camera z.
                double[] dir = {m[0] * cx + m[1] * cy + m[2], m[4] * cx + m[5] * cy + m[6], m[8] * cx + m[9] * cy + m[10]};
                double best = Double.POSITIVE_INFINITY;
                double[] color = null;
                for (Scene.SceneObject o : scene.objects()) {
                    double[] hit = intersect(o.box(), eye, dir);
                    if (hit != null && hit[0] < best) {
                        best = hit[0];
                        double shade = 0.45 + 0.55 * Math.max(0, hit[1] * LIGHT[0] + hit[2] * LIGHT[1] + hit[3] * LIGHT[2]);
                        color = new double[] {o.color()[0] * shade, o.color()[1] * shade, o.color()[2] * shade};
                    }
                }
                if (color == null) {
                    // Floor (z = 0) or, above the horizon, a wall.
                    double t = dir[2] < 0 ? -eye[2] / dir[2] : Double.POSITIVE_INFINITY;
                    if (t < 20) {
                        best = t;
                        double px = eye[0] + t * dir[0], py = eye[1] + t * dir[1];
                        double check = ((int) Math.floor(px) + (int) Math.floor(py)) % 2 == 0 ? 0.42 : 0.36;
                        color = new double[] {check, check, check};
                    } else {
                        best = 6;
                        color = new double[] {0.7, 0.7, 0.68};
                    }
                }
                for (int c = 0; c < 3; c++) rgb[c][v][u] = (float) color[c];
                depth[v][u] = (float) best;
            }
        }
        return new Frame(rgb, depth);
    }

    /** {t, nx, ny, nz} of the first hit of ray eye + t·dir with the box (t > 0), or null. */
    static double[] intersect(Box3D box, double[] eye, double[] dir) {
        double[][] r = box.rotation();
        double[] o = new double[3], d = new double[3];
        double[] rel = {eye[0] - box.x(), eye[1] - box.y(), eye[2] - box.z()};
        for (int k = 0; k < 3; k++) {
            o[k] = r[0][k] * rel[0] + r[1][k] * rel[1] + r[2][k] * rel[2];
            d[k] = r[0][k] * dir[0] + r[1][k] * dir[1] + r[2][k] * dir[2];
        }
        double[] half = {box.sx() / 2, box.sy() / 2, box.sz() / 2};
        double tNear = 1e-6, tFar = Double.POSITIVE_INFINITY;
        int axis = -1;
        double sign = 0;
        for (int k = 0; k < 3; k++) {
            if (Math.abs(d[k]) < 1e-12) {
                if (Math.abs(o[k]) > half[k]) return null;
                continue;
            }
            double t1 = (-half[k] - o[k]) / d[k], t2 = (half[k] - o[k]) / d[k];
            double lo = Math.min(t1, t2), hi = Math.max(t1, t2);
            if (lo > tNear) {
                tNear = lo;
                axis = k;
                sign = d[k] > 0 ? -1 : 1;
            }
            tFar = Math.min(tFar, hi);
            if (tNear > tFar) return null;
        }
        if (axis < 0) return null; // started inside
        return new double[] {tNear, sign * r[0][axis], sign * r[1][axis], sign * r[2][axis]};
    }
}
