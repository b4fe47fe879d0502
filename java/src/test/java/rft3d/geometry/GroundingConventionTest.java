package rft3d.geometry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The two ways a frame-k grounding answer reaches the world. VG-LLM's (scanrefer/utils.py L45–50:
 * scipy's extrinsic "zxy" in, as_euler("zxy") out, read as intrinsic ZXY by the IoU) is not a rigid
 * motion; both must give a reference answer IoU 1 when it is written in the same convention.
 */
class GroundingConventionTest {
    /** A ScanNet-like camera: looking down 20–50°, rolled a little, anywhere in a room. */
    static RigidTransform tiltedCamera(SplittableRandom rnd) {
        double[][] r = Rotations.zxyToMatrix(rnd.nextDouble(-Math.PI, Math.PI), -Math.PI / 2 - rnd.nextDouble(0.35, 0.9),
                rnd.nextDouble(-0.15, 0.15));
        return RigidTransform.of(r, rnd.nextDouble(-4, 4), rnd.nextDouble(-4, 4), rnd.nextDouble(1, 2));
    }

    @Test
    void referenceAnswersScoreIouOneUnderEachConvention() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < 500; i++) {
            RigidTransform pose = tiltedCamera(rnd);
            Box3D world = new Box3D(rnd.nextDouble(-3, 3), rnd.nextDouble(-3, 3), rnd.nextDouble(0, 2), rnd.nextDouble(0.2, 2),
                    rnd.nextDouble(0.2, 2), rnd.nextDouble(0.2, 2), rnd.nextDouble(-3, 3), rnd.nextDouble(-0.3, 0.3), rnd.nextDouble(-0.3, 0.3));
            for (GroundingConvention c : GroundingConvention.values()) {
                Box3D answer = c.fromWorld(pose, world);
                assertEquals(1.0, Iou3D.iou(c.toWorld(pose, answer), world), 1e-9, c + " case " + i);
            }
        }
    }

    @Test
    void theConventionsDisagreeForTiltedCamerasAndAgreeForUprightOnes() {
        SplittableRandom rnd = new SplittableRandom(4);
        int differ = 0;
        for (int i = 0; i < 200; i++) {
            RigidTransform pose = tiltedCamera(rnd);
            Box3D world = new Box3D(0, 0, 1, 1.5, 0.6, 0.8, rnd.nextDouble(-3, 3), 0, 0);
            Box3D geometricAnswer = GroundingConvention.GEOMETRIC.fromWorld(pose, world);
            if (Iou3D.iou(GroundingConvention.VGLLM.toWorld(pose, geometricAnswer), world) < 0.9) differ++;
        }
        assertTrue(differ > 100, differ + " of 200 tilted cases differ");
        // A camera that only turns about the vertical axis: extrinsic and intrinsic readings coincide.
        RigidTransform upright = RigidTransform.of(Rotations.zxyToMatrix(0.7, 0, 0), 1, 2, 0);
        Box3D world = new Box3D(0, 0, 1, 1.5, 0.6, 0.8, 0.4, 0, 0);
        Box3D answer = GroundingConvention.GEOMETRIC.fromWorld(upright, world);
        assertEquals(1.0, Iou3D.iou(GroundingConvention.VGLLM.toWorld(upright, answer), world), 1e-9);
    }

    @Test
    void scipyExtrinsicZxyIsRyRxRz() {
        double a = 0.3, b = -0.2, c = 0.5;
        double[][] m = GroundingConvention.extrinsicZxy(a, b, c);
        double[][] expected = mul(mul(Rotations.zxyToMatrix(0, 0, c), Rotations.zxyToMatrix(0, b, 0)), Rotations.zxyToMatrix(a, 0, 0));
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) assertEquals(expected[i][j], m[i][j], 1e-15);
        double[] back = GroundingConvention.extrinsicAngles(m);
        assertEquals(a, back[0], 1e-12);
        assertEquals(b, back[1], 1e-12);
        assertEquals(c, back[2], 1e-12);
    }

    static double[][] mul(double[][] x, double[][] y) {
        double[][] r = new double[3][3];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 3; k++) r[i][j] += x[i][k] * y[k][j];
        return r;
    }
}
