package rft3d.model;

import rft3d.data.Scene;
import rft3d.data.Video;
import rft3d.geometry.RigidTransform;

/**
 * A video turned into the model's visual inputs: for each patch of each frame its pixels' colours and 3D
 * points (from depth and pose), and its geometry prior — the patch centre's 3D point and the frame's pose —
 * all in the first frame's camera coordinates, the frame the detection answer is written in.
 *
 * @param patches {@code [tokens × patchValues]}, row-major: 3 colour planes then 3 coordinate planes
 * @param geometry {@code [tokens × GEOMETRY]}: point (3) then pose rotation and translation (12)
 * @param frameIds frame of each visual token
 */
public record VideoEncoding(float[] patches, float[] geometry, long[] frameIds) {
    public static final int GEOMETRY = 15;
    /** Metres per unit of the geometry features (rooms are a few metres). */
    static final double SCALE = 4.0;

    public static VideoEncoding of(Video video, ModelConfig cfg) {
        if (video.frames() != cfg.frames()) {
            throw new IllegalArgumentException("video has " + video.frames() + " frames, model expects " + cfg.frames());
        }
        Scene.Camera cam = video.camera();
        if (cam.width() != cfg.resolution() || cam.height() != cfg.resolution()) {
            throw new IllegalArgumentException("frames are " + cam.width() + "x" + cam.height() + ", model expects " + cfg.resolution());
        }
        int p = cfg.patch(), side = cfg.resolution() / p, n = cfg.visualTokens(), pv = cfg.patchValues();
        float[] patches = new float[n * pv], geometry = new float[n * GEOMETRY];
        long[] frameIds = new long[n];
        RigidTransform toFirst = video.poses().get(0).inverse();
        int t = 0;
        for (int f = 0; f < video.frames(); f++) {
            RigidTransform rel = toFirst.compose(video.poses().get(f));
            double[] m = rel.toRowMajor();
            for (int py = 0; py < side; py++) {
                for (int px = 0; px < side; px++, t++) {
                    frameIds[t] = f;
                    int k = t * pv;
                    for (int c = 0; c < 3; c++)
                        for (int y = 0; y < p; y++)
                            for (int x = 0; x < p; x++) patches[k++] = video.rgb()[f][c][py * p + y][px * p + x] - 0.5f;
                    // Every pixel's 3D point in the first frame's camera coordinates: where things are, at
                    // the resolution the boxes need (one depth sample per patch was too coarse to learn from).
                    for (int y = 0; y < p; y++) {
                        for (int x = 0; x < p; x++) {
                            int iu = px * p + x, iv = py * p + y;
                            double[] q = unproject(cam, rel, iu + 0.5, iv + 0.5, video.depth()[f][iv][iu]);
                            for (int c = 0; c < 3; c++) patches[k + c * p * p + y * p + x] = (float) (q[c] / SCALE);
                        }
                    }
                    double[] point = unproject(cam, rel, px * p + p / 2.0, py * p + p / 2.0, video.depth()[f][py * p + p / 2][px * p + p / 2]);
                    int g = t * GEOMETRY;
                    for (int i = 0; i < 3; i++) geometry[g + i] = (float) (point[i] / SCALE);
                    for (int i = 0; i < 12; i++) geometry[g + 3 + i] = (float) (i % 4 == 3 ? m[i] / SCALE : m[i]);
                }
            }
        }
        return new VideoEncoding(patches, geometry, frameIds);
    }

    /** The point at image position (u, v) and depth d, in the first frame's camera coordinates ({@code rel}: frame to first). */
    private static double[] unproject(Scene.Camera cam, RigidTransform rel, double u, double v, double d) {
        return rel.applyToPoint((u - cam.cx()) / cam.fx() * d, (v - cam.cy()) / cam.fy() * d, d);
    }
}
