package rft3d.geometry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Box3DTest {
    @Test
    void theCanonicalFormIsTheSameBoxWithTheSmallestAngles() {
        SplittableRandom rnd = new SplittableRandom(21);
        for (int i = 0; i < 2000; i++) {
            Box3D b = NearPairs.random(rnd, 0);
            Box3D c = b.canonical();
            assertEquals(1.0, Iou3D.iou(b, c), 1e-9, b + " -> " + c);
            assertEquals(b.volume(), c.volume(), 1e-12 * b.volume());
            assertTrue(Math.abs(c.yaw()) <= Math.abs(b.yaw()) + 1e-9, b + " -> " + c);
            assertArrayEquals(c.toArray(), c.canonical().toArray(), 1e-9, "idempotent");
        }
    }

    @Test
    void uprightObjectsSeenByATiltedCameraGetBoundedAngles() {
        SplittableRandom rnd = new SplittableRandom(22);
        for (int i = 0; i < 500; i++) {
            // OpenCV camera looking 20-50 degrees down, at an object turned anywhere about the vertical.
            RigidTransform camToWorld = RigidTransform.of(
                    Rotations.zxyToMatrix(rnd.nextDouble(-Math.PI, Math.PI), -Math.PI / 2 - rnd.nextDouble(0.35, 0.9), 0), 0, 0, 1.5);
            Box3D world = new Box3D(rnd.nextDouble(-2, 2), rnd.nextDouble(-2, 2), 0.4, 0.8, 0.5, 0.8, rnd.nextDouble(-Math.PI, Math.PI), 0, 0);
            Box3D inCamera = camToWorld.inverse().apply(world), c = inCamera.canonical();
            assertEquals(1.0, Iou3D.iou(inCamera, c), 1e-9);
            // The world's up axis in camera coordinates is the camera-to-world rotation's last row; the box's
            // roll is its angle from the camera's y axis.
            double[] m = camToWorld.toRowMajor();
            double lookTilt = Math.atan2(Math.abs(m[10]), Math.abs(m[9]));
            assertEquals(0.0, c.yaw(), 1e-9, inCamera + " -> " + c);
            assertEquals(lookTilt, Math.abs(c.roll()), 1e-9, inCamera + " -> " + c);
            assertTrue(Math.abs(c.pitch()) <= Math.PI / 4 + 1e-9, inCamera + " -> " + c);
        }
    }
}
