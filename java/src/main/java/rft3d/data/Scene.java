package rft3d.data;

import java.util.List;
import rft3d.geometry.Box3D;
import rft3d.geometry.RigidTransform;

/**
 * One indoor scene: labelled objects as world boxes (z up, metres), and a video's camera path as
 * camera-to-world poses (OpenCV camera axes: x right, y down, z forward).
 *
 * @param id scene id
 * @param objects the objects
 * @param poses camera-to-world pose of each frame
 * @param camera pinhole intrinsics shared by all frames
 */
public record Scene(String id, List<SceneObject> objects, List<RigidTransform> poses, Camera camera) {
    public Scene {
        objects = List.copyOf(objects);
        poses = List.copyOf(poses);
    }

    /** An object: its class label, a display colour (RGB 0..1) and its world box. */
    public record SceneObject(String label, double[] color, Box3D box) {}

    /** Pinhole intrinsics in pixels. */
    public record Camera(int width, int height, double fx, double fy, double cx, double cy) {}

    /** An object's box in frame {@code f}'s camera coordinates. */
    public Box3D inFrame(Box3D world, int f) {
        return poses.get(f).inverse().apply(world);
    }
}
