package rft3d.geometry;

/**
 * Conversions between intrinsic "ZXY" Euler angles and rotation matrices.
 *
 * <p>For angles {@code (a, b, c) = (yaw, roll, pitch)} the matrix is {@code Rz(a)·Rx(b)·Ry(c)}:
 * <pre>
 *   [ ca·cc − sa·sb·sc   −sa·cb   ca·sc + sa·sb·cc ]
 *   [ sa·cc + ca·sb·sc    ca·cb   sa·sc − ca·sb·cc ]
 *   [ −cb·sc              sb      cb·cc            ]
 * </pre>
 * so {@code roll = asin(R21)}, {@code yaw = atan2(−R01, R11)} and {@code pitch = atan2(−R20, R22)}.
 */
public final class Rotations {
    private Rotations() {}

    /** The row-major 3×3 matrix {@code Rz(yaw)·Rx(roll)·Ry(pitch)}. */
    public static double[][] zxyToMatrix(double yaw, double roll, double pitch) {
        double ca = Math.cos(yaw), sa = Math.sin(yaw);
        double cb = Math.cos(roll), sb = Math.sin(roll);
        double cc = Math.cos(pitch), sc = Math.sin(pitch);
        return new double[][] {
            {ca * cc - sa * sb * sc, -sa * cb, ca * sc + sa * sb * cc},
            {sa * cc + ca * sb * sc, ca * cb, sa * sc - ca * sb * cc},
            {-cb * sc, sb, cb * cc},
        };
    }

    /**
     * The ZXY Euler angles {@code {yaw, roll, pitch}} of a rotation matrix. At gimbal lock
     * ({@code |roll| = π/2}) pitch is set to 0 and yaw takes the whole turn about z.
     */
    public static double[] matrixToZxy(double[][] r) {
        double sb = Math.max(-1, Math.min(1, r[2][1]));
        double roll = Math.asin(sb);
        double cb = Math.hypot(r[2][0], r[2][2]);
        if (cb < 1e-9) {
            return new double[] {Math.atan2(r[1][0], r[0][0]), roll, 0};
        }
        return new double[] {Math.atan2(-r[0][1], r[1][1]), roll, Math.atan2(-r[2][0], r[2][2])};
    }

    /** Determinant of the upper-left 3×3 of a matrix. */
    static double determinant(double[][] m) {
        return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    }
}
