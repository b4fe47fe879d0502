package rft3d.geometry;

import java.util.Arrays;

/**
 * A rigid transform {@code p ↦ R·p + t} stored as a 4×4 homogeneous matrix, used to move boxes between
 * a frame's camera coordinates and world coordinates (camera-to-world poses, ScanNet's axis-alignment).
 */
public final class RigidTransform {
    private final double[][] m;

    private RigidTransform(double[][] m) {
        this.m = m;
    }

    /** The identity transform. */
    public static RigidTransform identity() {
        double[][] m = new double[4][4];
        for (int i = 0; i < 4; i++) m[i][i] = 1;
        return new RigidTransform(m);
    }

    /**
     * A transform from a row-major 4×4 matrix given as 16 numbers.
     *
     * @throws IllegalArgumentException when there are not 16 finite numbers, the last row is not
     *     {@code [0,0,0,1]}, or the upper-left 3×3 is not a rotation (within {@link #ROTATION_TOLERANCE})
     */
    public static RigidTransform ofRowMajor(double[] v) {
        if (v.length != 16) {
            throw new IllegalArgumentException("a 4x4 transform has 16 numbers, got " + v.length);
        }
        double[][] m = new double[4][4];
        for (int i = 0; i < 16; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalArgumentException("transform has a non-finite entry: " + Arrays.toString(v));
            }
            m[i / 4][i % 4] = v[i];
        }
        if (Math.abs(m[3][0]) + Math.abs(m[3][1]) + Math.abs(m[3][2]) + Math.abs(m[3][3] - 1) > 1e-6) {
            throw new IllegalArgumentException("last row of a rigid transform must be [0,0,0,1]: " + Arrays.toString(v));
        }
        double err = orthonormalityError(m);
        if (!(err <= ROTATION_TOLERANCE) || Rotations.determinant(m) < 0) {
            throw new IllegalArgumentException("upper-left 3x3 is not a rotation (scaled, sheared or mirrored; max |RᵀR − I| = "
                    + String.format("%.3g", err) + "): " + Arrays.toString(v));
        }
        return new RigidTransform(m);
    }

    /**
     * How far {@code RᵀR} may be from the identity. Poses written as float32 text (ScanNet's) are off by
     * about 1e-7; a scale or shear of even 0.01% is not a camera pose and would silently change sizes.
     */
    public static final double ROTATION_TOLERANCE = 1e-4;

    private static double orthonormalityError(double[][] m) {
        double err = 0;
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double d = m[0][i] * m[0][j] + m[1][i] * m[1][j] + m[2][i] * m[2][j];
                err = Math.max(err, Math.abs(d - (i == j ? 1 : 0)));
            }
        }
        return err;
    }

    /** A transform from a rotation (3×3, row-major) and a translation. */
    public static RigidTransform of(double[][] rotation, double tx, double ty, double tz) {
        double[][] m = new double[4][4];
        for (int i = 0; i < 3; i++) System.arraycopy(rotation[i], 0, m[i], 0, 3);
        m[0][3] = tx;
        m[1][3] = ty;
        m[2][3] = tz;
        m[3][3] = 1;
        return new RigidTransform(m);
    }

    /** The 16 numbers of the matrix, row-major. */
    public double[] toRowMajor() {
        double[] v = new double[16];
        for (int i = 0; i < 16; i++) v[i] = m[i / 4][i % 4];
        return v;
    }

    /** {@code this ∘ other}: applies {@code other} first, then this. */
    public RigidTransform compose(RigidTransform other) {
        double[][] out = new double[4][4];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                double s = 0;
                for (int k = 0; k < 4; k++) s += m[i][k] * other.m[k][j];
                out[i][j] = s;
            }
        }
        return new RigidTransform(out);
    }

    /** The inverse {@code p ↦ Rᵀ·(p − t)}. */
    public RigidTransform inverse() {
        double[][] rt = new double[3][3];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) rt[i][j] = m[j][i];
        double tx = -(rt[0][0] * m[0][3] + rt[0][1] * m[1][3] + rt[0][2] * m[2][3]);
        double ty = -(rt[1][0] * m[0][3] + rt[1][1] * m[1][3] + rt[1][2] * m[2][3]);
        double tz = -(rt[2][0] * m[0][3] + rt[2][1] * m[1][3] + rt[2][2] * m[2][3]);
        return of(rt, tx, ty, tz);
    }

    /** The point {@code R·p + t}. */
    public double[] applyToPoint(double px, double py, double pz) {
        return new double[] {
            m[0][0] * px + m[0][1] * py + m[0][2] * pz + m[0][3],
            m[1][0] * px + m[1][1] * py + m[1][2] * pz + m[1][3],
            m[2][0] * px + m[2][1] * py + m[2][2] * pz + m[2][3],
        };
    }

    /** {@code R·r} for a 3×3 matrix {@code r}: a rotation carried by this transform. */
    public double[][] rotateMatrix(double[][] rb) {
        double[][] r = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                r[i][j] = m[i][0] * rb[0][j] + m[i][1] * rb[1][j] + m[i][2] * rb[2][j];
            }
        }
        return r;
    }

    /** The box moved by this transform: centre {@code R·c + t}, rotation {@code R·R_box}, same sizes. */
    public Box3D apply(Box3D b) {
        double[] c = applyToPoint(b.x(), b.y(), b.z());
        double[] e = Rotations.matrixToZxy(rotateMatrix(b.rotation()));
        return new Box3D(c[0], c[1], c[2], b.sx(), b.sy(), b.sz(), e[0], e[1], e[2]);
    }
}
