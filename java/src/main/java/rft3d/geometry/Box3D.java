package rft3d.geometry;

import java.util.Arrays;

/**
 * A 9-DoF oriented box: centre {@code (x, y, z)}, full sizes {@code (sx, sy, sz)} along the box's own
 * axes, and Euler angles {@code (yaw, roll, pitch)} in the intrinsic "ZXY" convention, so the box's
 * rotation is {@code R = Rz(yaw) · Rx(roll) · Ry(pitch)} (pytorch3d's
 * {@code euler_angles_to_matrix(angles, "ZXY")}).
 *
 * <p>A box is a plain value; it may be invalid (NaN, infinite or non-positive sizes): {@link #isValid()}
 * says so, and every metric treats an invalid box as overlapping nothing.
 */
public record Box3D(double x, double y, double z,
                    double sx, double sy, double sz,
                    double yaw, double roll, double pitch) {

    /** Number of values in the canonical 9-DoF layout. */
    public static final int DOF = 9;

    /**
     * A box from 6 numbers (axis-aligned: centre, size), 7 numbers (plus yaw) or 9 numbers
     * (plus yaw, roll, pitch).
     *
     * @throws IllegalArgumentException for any other length
     */
    public static Box3D of(double... v) {
        return switch (v.length) {
            case 6 -> new Box3D(v[0], v[1], v[2], v[3], v[4], v[5], 0, 0, 0);
            case 7 -> new Box3D(v[0], v[1], v[2], v[3], v[4], v[5], v[6], 0, 0);
            case 9 -> new Box3D(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
            default -> throw new IllegalArgumentException(
                    "a box has 6, 7 or 9 numbers, got " + v.length + ": " + Arrays.toString(v));
        };
    }

    /** The box as its 9 numbers {@code [x,y,z, sx,sy,sz, yaw,roll,pitch]}. */
    public double[] toArray() {
        return new double[] {x, y, z, sx, sy, sz, yaw, roll, pitch};
    }

    /** True when every number is finite and every size is strictly positive. */
    public boolean isValid() {
        for (double v : toArray()) {
            if (!Double.isFinite(v)) return false;
        }
        return sx > 0 && sy > 0 && sz > 0;
    }

    /** Volume {@code sx·sy·sz}. */
    public double volume() {
        return sx * sy * sz;
    }

    /** True when roll and pitch are zero: the box turns about the vertical (z) axis only. */
    public boolean isYawOnly() {
        return roll == 0 && pitch == 0;
    }

    /** True when all three angles are zero. */
    public boolean isAxisAligned() {
        return yaw == 0 && roll == 0 && pitch == 0;
    }

    /**
     * The same box written with its smallest Euler angles. A box is unchanged when its axes are relabelled
     * by any of the 24 rotations that map the cube onto itself (sizes permuted along), so each box has 24
     * 9-number forms; this picks the one with the smallest |yaw|, then |roll|, then |pitch| (differences
     * under 1e-9 count as ties; then the first). Rounding aside, {@code b.canonical().canonical()} equals
     * {@code b.canonical()} and the IoU of the two forms is 1. Detection answers are taught in this form: a
     * world-upright object seen by a camera tilted by t (and not rolled) then reads yaw 0, roll ±t and its
     * heading as a pitch within ±π/4, instead of angles that jump by π.
     */
    public Box3D canonical() {
        double[][] r = rotation();
        double[] size = {sx, sy, sz};
        Box3D best = this;
        double[] bestKey = null;
        for (int[] perm : PERMUTATIONS) {
            for (int signs = 0; signs < 8; signs++) {
                double[] sign = {(signs & 1) != 0 ? -1 : 1, (signs & 2) != 0 ? -1 : 1, (signs & 4) != 0 ? -1 : 1};
                // Column j of the new rotation is ±(column perm[j] of r): a proper rotation only with det +1.
                double[][] q = new double[3][3];
                for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) q[i][j] = sign[j] * r[i][perm[j]];
                if (Rotations.determinant(q) < 0) continue;
                double[] e = Rotations.matrixToZxy(q);
                double[] key = {Math.abs(e[0]), Math.abs(e[1]), Math.abs(e[2])};
                if (bestKey == null || smaller(key, bestKey)) {
                    bestKey = key;
                    best = new Box3D(x, y, z, size[perm[0]], size[perm[1]], size[perm[2]], e[0], e[1], e[2]);
                }
            }
        }
        return best;
    }

    /** Lexicographic order of |yaw|, |roll|, |pitch|, with differences under 1e-9 as ties. */
    private static boolean smaller(double[] a, double[] b) {
        for (int i = 0; i < 3; i++) {
            if (a[i] < b[i] - 1e-9) return true;
            if (a[i] > b[i] + 1e-9) return false;
        }
        return false;
    }

    private static final int[][] PERMUTATIONS = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

    /** The rotation matrix {@code Rz(yaw)·Rx(roll)·Ry(pitch)}, row-major 3×3. */
    public double[][] rotation() {
        return Rotations.zxyToMatrix(yaw, roll, pitch);
    }

    /**
     * The 8 corners as {@code [8][3]}; corner {@code i} has local signs
     * {@code (bit2 ? + : -, bit1 ? + : -, bit0 ? + : -)} along (x, y, z).
     */
    public double[][] corners() {
        double[][] r = rotation();
        double[][] out = new double[8][3];
        for (int i = 0; i < 8; i++) {
            double lx = ((i & 4) != 0 ? 0.5 : -0.5) * sx;
            double ly = ((i & 2) != 0 ? 0.5 : -0.5) * sy;
            double lz = ((i & 1) != 0 ? 0.5 : -0.5) * sz;
            out[i][0] = x + r[0][0] * lx + r[0][1] * ly + r[0][2] * lz;
            out[i][1] = y + r[1][0] * lx + r[1][1] * ly + r[1][2] * lz;
            out[i][2] = z + r[2][0] * lx + r[2][1] * ly + r[2][2] * lz;
        }
        return out;
    }
}
