package rft3d.data;

import java.util.List;
import rft3d.geometry.RigidTransform;

/**
 * A video as the model sees it: RGB frames {@code [F][3][H][W]} in 0..1, depth {@code [F][H][W]} in metres,
 * camera-to-world poses and intrinsics.
 */
public record Video(float[][][][] rgb, float[][][] depth, List<RigidTransform> poses, Scene.Camera camera) {
    public Video {
        poses = List.copyOf(poses);
        if (rgb.length != depth.length || rgb.length != poses.size()) {
            throw new IllegalArgumentException(rgb.length + " frames, " + depth.length + " depth maps, " + poses.size() + " poses");
        }
    }

    public int frames() {
        return rgb.length;
    }
}
