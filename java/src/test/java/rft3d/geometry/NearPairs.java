package rft3d.geometry;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Pairs of boxes where GRPO rollouts cluster: a box and a copy with a few of its 9 numbers moved by
 * 1e-4 down to 1e-12 (relative for sizes), plus exact copies; general, yaw-only and axis-aligned alike.
 */
public final class NearPairs {
    private NearPairs() {}

    /** {@code n} pairs {@code {a, b}} from a seed. */
    public static List<Box3D[]> generate(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Box3D[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int kind = i % 3;
            Box3D a = random(rnd, kind);
            double eps = i % 10 == 9 ? 0 : Math.pow(10, -rnd.nextInt(4, 13));
            double[] v = a.toArray();
            for (int k = 0; k < 9; k++) {
                if (rnd.nextInt(3) == 0) v[k] += (k >= 3 && k < 6 ? v[k] : 1) * eps * (rnd.nextBoolean() ? 1 : -1);
            }
            if (kind == 1) v[7] = v[8] = 0; // yaw-only pairs stay yaw-only
            if (kind == 2) v[6] = v[7] = v[8] = 0; // aligned pairs stay aligned
            out.add(new Box3D[] {a, Box3D.of(v)});
        }
        return out;
    }

    /** kind 0: general, 1: yaw-only, 2: axis-aligned; centres up to 10 m, sizes 0.05–3 m. */
    public static Box3D random(SplittableRandom rnd, int kind) {
        double yaw = kind == 2 ? 0 : rnd.nextDouble(-Math.PI, Math.PI);
        double roll = kind == 0 ? rnd.nextDouble(-1.5, 1.5) : 0, pitch = kind == 0 ? rnd.nextDouble(-Math.PI, Math.PI) : 0;
        return new Box3D(rnd.nextDouble(-10, 10), rnd.nextDouble(-10, 10), rnd.nextDouble(-3, 3),
                rnd.nextDouble(0.05, 3), rnd.nextDouble(0.05, 3), rnd.nextDouble(0.05, 3), yaw, roll, pitch);
    }
}
