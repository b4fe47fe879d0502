package rft3d.geometry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RigidTransformTest {
    @Test
    void eulerAnglesRoundTripThroughTheMatrix() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < 1000; i++) {
            double[][] r = Rotations.zxyToMatrix(rnd.nextDouble(-3, 3), rnd.nextDouble(-1.5, 1.5), rnd.nextDouble(-3, 3));
            double[] e = Rotations.matrixToZxy(r);
            double[][] back = Rotations.zxyToMatrix(e[0], e[1], e[2]);
            for (int k = 0; k < 3; k++) assertArrayEquals(r[k], back[k], 1e-12);
        }
    }

    @Test
    void matrixIsRzTimesRxTimesRy() {
        // yaw = 90°: x goes to y. roll = 90°: y goes to z. Rz·Rx maps local y to z, local x to y.
        double[][] r = Rotations.zxyToMatrix(Math.PI / 2, Math.PI / 2, 0);
        assertArrayEquals(new double[] {0, 0, 1}, new double[] {r[0][0], r[0][1], r[0][2]}, 1e-12);
        assertArrayEquals(new double[] {1, 0, 0}, new double[] {r[1][0], r[1][1], r[1][2]}, 1e-12);
        assertArrayEquals(new double[] {0, 1, 0}, new double[] {r[2][0], r[2][1], r[2][2]}, 1e-12);
    }

    @Test
    void gimbalLockStillReproducesTheRotation() {
        double[][] r = Rotations.zxyToMatrix(0.4, Math.PI / 2, 0.3);
        double[] e = Rotations.matrixToZxy(r);
        double[][] back = Rotations.zxyToMatrix(e[0], e[1], e[2]);
        for (int k = 0; k < 3; k++) assertArrayEquals(r[k], back[k], 1e-9);
    }

    @Test
    void boxMovedToWorldAndBackIsUnchanged() {
        RigidTransform pose = RigidTransform.of(Rotations.zxyToMatrix(0.3, -0.2, 1.1), 1, 2, 3);
        Box3D cam = Box3D.of(0.5, -0.1, 2.0, 0.4, 0.6, 0.8, 0.2, 0.1, -0.3);
        Box3D world = pose.apply(cam);
        Box3D back = pose.inverse().apply(world);
        assertArrayEquals(cam.toArray(), back.toArray(), 1e-12);
        assertEquals(1.0, Iou3D.iou(cam, back), 1e-12);
    }

    @Test
    void translationMovesTheCentreOnly() {
        RigidTransform t = RigidTransform.ofRowMajor(new double[] {1, 0, 0, 1, 0, 1, 0, 2, 0, 0, 1, 3, 0, 0, 0, 1});
        Box3D moved = t.apply(Box3D.of(0, 0, 0, 1, 2, 3, 0.5));
        assertArrayEquals(new double[] {1, 2, 3, 1, 2, 3, 0.5, 0, 0}, moved.toArray(), 1e-12);
    }

    @Test
    void malformedMatricesAreRejectedWithAReason() {
        assertThrows(IllegalArgumentException.class, () -> RigidTransform.ofRowMajor(new double[15]));
        assertThrows(IllegalArgumentException.class, () -> RigidTransform.ofRowMajor(new double[16]));
        double[] nan = RigidTransform.identity().toRowMajor();
        nan[3] = Double.NaN;
        assertThrows(IllegalArgumentException.class, () -> RigidTransform.ofRowMajor(nan));
    }

    @Test
    void scaledShearedOrMirroredMatricesAreNotPoses() {
        double[] ok = {1, 0, 0, 1, 0, 1, 0, 2, 0, 0, 1, 3, 0, 0, 0, 1};
        RigidTransform.ofRowMajor(ok);
        double[] scaled = ok.clone();
        scaled[0] = 1.1;
        double[] sheared = ok.clone();
        sheared[1] = 0.2;
        double[] mirrored = ok.clone();
        mirrored[0] = -1;
        for (double[] bad : new double[][] {scaled, sheared, mirrored}) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> RigidTransform.ofRowMajor(bad));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("not a rotation"), e.getMessage());
        }
        double[] float32 = ok.clone();
        float32[0] = (float) Math.cos(0.3);
        float32[2] = (float) Math.sin(0.3);
        float32[8] = (float) -Math.sin(0.3);
        float32[10] = (float) Math.cos(0.3);
        RigidTransform.ofRowMajor(float32); // float32 rounding is within tolerance
    }
}
