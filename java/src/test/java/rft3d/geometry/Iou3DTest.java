package rft3d.geometry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Iou3DTest {
    private static final double PI = Math.PI;

    @Test
    void identicalBoxesHaveIouOne() {
        Box3D b = Box3D.of(1, 2, 3, 0.5, 1.5, 2.0, 0.3, 0.2, -0.4);
        assertEquals(1.0, Iou3D.iou(b, b), 1e-12);
        Box3D aa = Box3D.of(1, 2, 3, 0.5, 1.5, 2.0);
        assertEquals(1.0, Iou3D.iou(aa, aa), 1e-12);
    }

    @Test
    void disjointBoxesHaveIouZero() {
        assertEquals(0.0, Iou3D.iou(Box3D.of(0, 0, 0, 1, 1, 1), Box3D.of(5, 0, 0, 1, 1, 1)));
        assertEquals(0.0, Iou3D.iou(Box3D.of(0, 0, 0, 1, 1, 1, 0.4, 0.1, 0.2), Box3D.of(0, 0, 9, 1, 1, 1, 0.1, 0.3, 0)));
    }

    @Test
    void touchingFacesHaveIouZero() {
        assertEquals(0.0, Iou3D.iou(Box3D.of(0, 0, 0, 1, 1, 1), Box3D.of(1, 0, 0, 1, 1, 1)), 1e-12);
        // The same touching pair, both tilted by the same rotation: exercises the polyhedral path.
        Box3D a = Box3D.of(0, 0, 0, 1, 1, 1, 0, 0.3, 0);
        Box3D b = RigidTransform.of(a.rotation(), 0, 0, 0).apply(Box3D.of(1, 0, 0, 1, 1, 1));
        assertEquals(0.0, Iou3D.iou(a, b), 1e-9);
    }

    @Test
    void cubesShiftedByHalfASideOverlapOneThird() {
        // Intersection 1/2, union 3/2.
        Box3D a = Box3D.of(0, 0, 0, 1, 1, 1);
        assertEquals(1.0 / 3, Iou3D.iou(a, Box3D.of(0.5, 0, 0, 1, 1, 1)), 1e-12);
        assertEquals(1.0 / 3, Iou3D.iou(a, Box3D.of(0, 0, -0.5, 1, 1, 1)), 1e-12);
        // Same pair rotated together about a tilted axis: the polyhedral path must agree.
        double[][] r = Rotations.zxyToMatrix(0.7, 0.4, -0.2);
        RigidTransform t = RigidTransform.of(r, 3, -1, 2);
        assertEquals(1.0 / 3, Iou3D.iou(t.apply(a), t.apply(Box3D.of(0.5, 0, 0, 1, 1, 1))), 1e-9);
    }

    @Test
    void cubeTurnedFortyFiveDegreesOverlapsOneOverRootTwo() {
        // Unit square vs. itself turned 45°: the overlap is an octagon of area 1 - 4·(√2/2 - 1/2)² =
        // 2(√2 - 1); union = 2 - 2(√2 - 1); IoU = (√2 - 1)/(2 - √2) = 1/√2.
        Box3D cube = Box3D.of(0, 0, 0, 1, 1, 1);
        double expected = 1 / Math.sqrt(2);
        assertEquals(expected, Iou3D.iou(cube, Box3D.of(0, 0, 0, 1, 1, 1, PI / 4)), 1e-12);      // yaw path
        assertEquals(expected, Iou3D.iou(cube, Box3D.of(0, 0, 0, 1, 1, 1, 0, PI / 4, 0)), 1e-12); // roll: polyhedral
        assertEquals(expected, Iou3D.iou(cube, Box3D.of(0, 0, 0, 1, 1, 1, 0, 0, PI / 4)), 1e-12); // pitch: polyhedral
    }

    @Test
    void nestedBoxOverlapIsItsVolumeOverTheOuterVolume() {
        Box3D outer = Box3D.of(0, 0, 0, 4, 4, 4);
        Box3D inner = Box3D.of(0.2, -0.3, 0.1, 1, 1, 1, 0.5, 0.6, 0.7);
        assertEquals(1.0 / 64, Iou3D.iou(outer, inner), 1e-12);
    }

    @Test
    void quarterTurnWithSwappedSizesIsTheSameBox() {
        Box3D a = Box3D.of(1, 1, 1, 2, 1, 0.5);
        Box3D b = Box3D.of(1, 1, 1, 1, 2, 0.5, PI / 2);
        assertEquals(1.0, Iou3D.iou(a, b), 1e-12);
    }

    @Test
    void iouIsSymmetricBoundedAndRigidInvariant() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 2000; i++) {
            Box3D a = randomBox(rnd), b = randomBox(rnd);
            double ab = Iou3D.iou(a, b);
            assertTrue(ab >= 0 && ab <= 1, "IoU out of [0,1]: " + ab);
            assertEquals(ab, Iou3D.iou(b, a), 1e-9, () -> a + " " + b);
            RigidTransform t = RigidTransform.of(
                    Rotations.zxyToMatrix(rnd.nextDouble(-PI, PI), rnd.nextDouble(-1.5, 1.5), rnd.nextDouble(-PI, PI)),
                    rnd.nextDouble(-5, 5), rnd.nextDouble(-5, 5), rnd.nextDouble(-5, 5));
            assertEquals(ab, Iou3D.iou(t.apply(a), t.apply(b)), 1e-9, () -> a + " " + b);
        }
    }

    @Test
    void fastPathsAgreeWithThePolyhedralClipper() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int i = 0; i < 1000; i++) {
            Box3D a = Box3D.of(rnd.nextDouble(-1, 1), rnd.nextDouble(-1, 1), rnd.nextDouble(-1, 1),
                    rnd.nextDouble(0.2, 2), rnd.nextDouble(0.2, 2), rnd.nextDouble(0.2, 2), rnd.nextDouble(-PI, PI));
            Box3D b = Box3D.of(rnd.nextDouble(-1, 1), rnd.nextDouble(-1, 1), rnd.nextDouble(-1, 1),
                    rnd.nextDouble(0.2, 2), rnd.nextDouble(0.2, 2), rnd.nextDouble(0.2, 2), rnd.nextDouble(-PI, PI));
            assertEquals(Iou3D.polyhedralIntersection(a, b), Iou3D.yawOnlyIntersection(a, b), 1e-9);
            Box3D aa = Box3D.of(a.x(), a.y(), a.z(), a.sx(), a.sy(), a.sz());
            Box3D ba = Box3D.of(b.x(), b.y(), b.z(), b.sx(), b.sy(), b.sz());
            assertEquals(Iou3D.polyhedralIntersection(aa, ba), Iou3D.axisAlignedIntersection(aa, ba), 1e-9);
        }
    }

    @Test
    void intersectionVolumeMatchesMonteCarlo() {
        SplittableRandom rnd = new SplittableRandom(3);
        int samples = 200_000;
        int checked = 0;
        while (checked < 20) {
            Box3D a = randomBox(rnd), b = randomBox(rnd);
            double exact = Iou3D.intersectionVolume(a, b);
            if (exact < 0.05 * a.volume()) continue; // keep cases with real overlap
            double[][] r = a.rotation();
            double[] m = RigidTransform.of(b.rotation(), b.x(), b.y(), b.z()).inverse().toRowMajor();
            double[][] inv = {{m[0], m[1], m[2], m[3]}, {m[4], m[5], m[6], m[7]}, {m[8], m[9], m[10], m[11]}};
            int inside = 0;
            for (int s = 0; s < samples; s++) {
                double lx = (rnd.nextDouble() - 0.5) * a.sx(), ly = (rnd.nextDouble() - 0.5) * a.sy(), lz = (rnd.nextDouble() - 0.5) * a.sz();
                double px = a.x() + r[0][0] * lx + r[0][1] * ly + r[0][2] * lz;
                double py = a.y() + r[1][0] * lx + r[1][1] * ly + r[1][2] * lz;
                double pz = a.z() + r[2][0] * lx + r[2][1] * ly + r[2][2] * lz;
                double qx = inv[0][0] * px + inv[0][1] * py + inv[0][2] * pz + inv[0][3];
                double qy = inv[1][0] * px + inv[1][1] * py + inv[1][2] * pz + inv[1][3];
                double qz = inv[2][0] * px + inv[2][1] * py + inv[2][2] * pz + inv[2][3];
                if (Math.abs(qx) <= b.sx() / 2 && Math.abs(qy) <= b.sy() / 2 && Math.abs(qz) <= b.sz() / 2) inside++;
            }
            double p = (double) inside / samples;
            double estimate = p * a.volume();
            double sigma = Math.sqrt(p * (1 - p) / samples) * a.volume();
            assertEquals(estimate, exact, 5 * sigma + 1e-9, () -> a + " " + b);
            checked++;
        }
    }

    @Test
    void invalidBoxesOverlapNothing() {
        Box3D good = Box3D.of(0, 0, 0, 1, 1, 1);
        for (Box3D bad : new Box3D[] {
            Box3D.of(0, 0, 0, 0, 1, 1), Box3D.of(0, 0, 0, -1, 1, 1), Box3D.of(Double.NaN, 0, 0, 1, 1, 1),
            Box3D.of(0, 0, 0, 1, 1, 1, Double.POSITIVE_INFINITY), Box3D.of(0, 0, 0, 1, Double.NaN, 1),
            Box3D.of(0, 0, 0, 1e308, 1e308, 1e308),
        }) {
            assertEquals(0.0, Iou3D.iou(good, bad), bad::toString);
            assertEquals(0.0, Iou3D.iou(bad, good), bad::toString);
        }
    }

    static Box3D randomBox(SplittableRandom rnd) {
        return Box3D.of(rnd.nextDouble(-1, 1), rnd.nextDouble(-1, 1), rnd.nextDouble(-1, 1),
                rnd.nextDouble(0.3, 2.5), rnd.nextDouble(0.3, 2.5), rnd.nextDouble(0.3, 2.5),
                rnd.nextDouble(-PI, PI), rnd.nextDouble(-PI / 2, PI / 2), rnd.nextDouble(-PI, PI));
    }

    // Issue #9, item 5: GRPO rollouts cluster around the answer, so IoU must be exact where boxes (nearly)
    // coincide. Each case is checked against ExactIou (60-digit arithmetic) within 1e-9.

    static void assertNearExact(Box3D a, Box3D b, double tol, String what) {
        double exact = ExactIou.iou(a, b);
        assertEquals(exact, Iou3D.iou(a, b), tol, what + " a->b");
        assertEquals(exact, Iou3D.iou(b, a), tol, what + " b->a");
    }

    @Test
    void tinyTurnsOfAUnitCubeScoreTheirExactIou() {
        Box3D cube = Box3D.of(0, 0, 0, 1, 1, 1);
        Box3D turned = Box3D.of(0, 0, 0, 1, 1, 1, 1e-5, -1e-5, 1e-5);
        assertEquals(0.99998, Iou3D.iou(cube, turned), 1e-9); // was 0.999975 with plane snapping
        assertNearExact(cube, turned, 1e-12, "yaw/roll/pitch 1e-5");
        Box3D nano = Box3D.of(0, 0, 0, 1, 1, 1, 0, 1e-9, 0);
        assertEquals(1 - 1e-9, Iou3D.iou(cube, nano), 1e-12); // was 1 - 7.5e-8
        for (double angle : new double[] {1e-12, 1e-9, 1e-7, 1e-5, 1e-3}) {
            assertNearExact(cube, Box3D.of(0, 0, 0, 1, 1, 1, 0, 0, angle), 1e-12, "pitch " + angle);
            assertNearExact(cube, Box3D.of(0, 0, 0, 1, 1, 1, angle, angle, -angle), 1e-12, "all three " + angle);
        }
    }

    @Test
    void identicalTinyBoxesFarFromTheOriginScoreOne() {
        Box3D tiny = Box3D.of(40000.3, 0, 0, 1e-12, 1e-12, 1e-12);
        assertEquals(1.0, Iou3D.iou(tiny, tiny)); // was 0: the axis-aligned path was not re-centred
        Box3D tilted = Box3D.of(40000.3, -7, 2, 1e-6, 2e-6, 3e-6, 0.3, 0.2, 0.1);
        assertEquals(1.0, Iou3D.iou(tilted, tilted), 1e-9);
        Box3D yawed = Box3D.of(40000.3, -7, 2, 1e-6, 2e-6, 3e-6, 0.3, 0, 0);
        assertEquals(1.0, Iou3D.iou(yawed, yawed), 1e-9);
    }

    @Test
    void nearlyCoincidentRandomPairsMatchTheExactOracle() {
        int i = 0;
        for (Box3D[] p : NearPairs.generate(9, 300)) assertNearExact(p[0], p[1], 1e-9, "pair " + i++ + ": " + p[0] + " / " + p[1]);
    }

    @Test
    void theFastFacewisePathAgreesWithTheWatertightOneWhereNoFacesAreNearlyParallel() {
        SplittableRandom rnd = new SplittableRandom(12);
        int checked = 0;
        for (int i = 0; i < 2000; i++) {
            Box3D a = NearPairs.random(rnd, 0), b = NearPairs.random(rnd, 0);
            b = new Box3D(a.x() + rnd.nextDouble(-1, 1), a.y() + rnd.nextDouble(-1, 1), a.z() + rnd.nextDouble(-1, 1),
                    b.sx(), b.sy(), b.sz(), b.yaw(), b.roll(), b.pitch());
            if (Iou3D.nearlyParallelFaces(a.rotation(), b.rotation())) continue;
            double vol = Math.min(a.volume(), b.volume());
            assertEquals(Iou3D.watertightIntersection(a, b) / vol, Iou3D.facewiseIntersection(a, b) / vol, 1e-12, "pair " + i);
            checked++;
        }
        assertTrue(checked > 1900, checked + " generic pairs");
        Box3D cube = Box3D.of(0, 0, 0, 1, 1, 1);
        assertTrue(Iou3D.nearlyParallelFaces(cube.rotation(), Box3D.of(0, 0, 0, 1, 1, 1, 1e-4, 0, 0.5).rotation())); // z faces
        assertFalse(Iou3D.nearlyParallelFaces(cube.rotation(), Box3D.of(0, 0, 0, 1, 1, 1, 0.1, 0.2, 0.3).rotation()));
    }

    @Test
    void theSeparatingAxisTestCutsOnlyPairsThatTheClippersScoreZero() {
        SplittableRandom rnd = new SplittableRandom(13);
        int separated = 0, meeting = 0;
        for (int i = 0; i < 4000; i++) {
            Box3D a = NearPairs.random(rnd, 0), b = NearPairs.random(rnd, 0);
            double reach = 0.5 * (a.sx() + a.sy() + a.sz() + b.sx() + b.sy() + b.sz()) / Math.sqrt(3);
            b = new Box3D(a.x() + reach * rnd.nextDouble(-1.2, 1.2), a.y() + reach * rnd.nextDouble(-1.2, 1.2),
                    a.z() + reach * rnd.nextDouble(-1.2, 1.2), b.sx(), b.sy(), b.sz(), b.yaw(), b.roll(), b.pitch());
            if (Iou3D.cannotTouch(a, b)) continue;
            double[][] ra = a.rotation(), rb = b.rotation();
            if (Iou3D.separated(a, ra, b, rb)) {
                separated++;
                assertEquals(0.0, Iou3D.watertightIntersection(a, b), "pair " + i);
                if (!Iou3D.nearlyParallelFaces(ra, rb)) assertEquals(0.0, Iou3D.facewiseIntersection(a, b), "pair " + i);
            } else if (Iou3D.watertightIntersection(a, b) > 0) {
                meeting++;
            }
        }
        assertTrue(separated > 300 && meeting > 300, separated + " separated, " + meeting + " meeting");
        // A gap along a face normal, far above rounding and just below it.
        Box3D a = Box3D.of(0.3, -2, 1, 1, 2, 0.5, 0.4, 0.2, -0.3);
        double[][] r = a.rotation();
        for (double gap : new double[] {1e-6, -1e-6, 1e-14}) {
            double d = 1 + gap; // along a's x axis, sizes 1 each
            Box3D b = new Box3D(a.x() + d * r[0][0], a.y() + d * r[1][0], a.z() + d * r[2][0], 1, 2, 0.5, 0.4, 0.2, -0.3);
            assertEquals(gap == 1e-6, Iou3D.separated(a, r, b, b.rotation()), "gap " + gap);
        }
    }

    @Test
    void generalRandomPairsMatchTheExactOracle() {
        SplittableRandom rnd = new SplittableRandom(10);
        for (int i = 0; i < 200; i++) {
            Box3D a = NearPairs.random(rnd, 0), b = NearPairs.random(rnd, 0);
            b = new Box3D(a.x() + rnd.nextDouble(-0.5, 0.5), a.y() + rnd.nextDouble(-0.5, 0.5), a.z() + rnd.nextDouble(-0.5, 0.5),
                    b.sx(), b.sy(), b.sz(), b.yaw(), b.roll(), b.pitch());
            assertNearExact(a, b, 1e-12, "pair " + i);
        }
    }
}
