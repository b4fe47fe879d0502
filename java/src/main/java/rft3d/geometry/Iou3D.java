package rft3d.geometry;

/**
 * Exact intersection-over-union of two oriented 3D boxes.
 *
 * <p>The general case is exact up to rounding: the boundary of {@code A ∩ B} is made of the faces of A
 * clipped to B's six half-spaces and the faces of B clipped to A's, and the divergence theorem turns
 * those oriented polygons into a volume. (This is the polyhedron that clipping A by B's half-spaces
 * produces, with each cap computed directly as B's face clipped to A.) A face of B lying on a face of A
 * with the same outward normal is left out, since A's face already covers that patch.
 *
 * <p>Pairs whose bounding spheres are apart are 0 at once. Two fast paths give the same numbers for special pairs: both axis-aligned (product of interval
 * overlaps) and both yaw-only (rotated-rectangle overlap in the ground plane times the height overlap).
 *
 * <p>An invalid box (see {@link Box3D#isValid()}) overlaps nothing: its IoU is 0, never NaN.
 */
public final class Iou3D {
    private Iou3D() {}

    /** Face corner indices, counter-clockwise seen from outside; order: +x, −x, +y, −y, +z, −z. */
    static final int[][] FACES = {
        {4, 6, 7, 5}, {0, 1, 3, 2}, {2, 3, 7, 6}, {0, 4, 5, 1}, {1, 5, 7, 3}, {0, 2, 6, 4},
    };

    /**
     * Distances to a clipping plane within {@code PLANE_EPS · scale} count as on the plane (inside).
     * Without it, a face lying on the other box's face (identical or stacked boxes) is cut to pieces by
     * rounding noise; with it, the error is a sliver of that width.
     */
    static final double PLANE_EPS = 1e-10;

    /** IoU in [0, 1]; 0 for invalid boxes or when anything overflows. */
    public static double iou(Box3D a, Box3D b) {
        if (!a.isValid() || !b.isValid()) return 0;
        double inter = intersectionVolume(a, b);
        double union = a.volume() + b.volume() - inter;
        double iou = inter / union;
        if (!(iou > 0)) return 0; // also catches NaN
        return Math.min(iou, 1.0);
    }

    /** Volume of {@code a ∩ b}; 0 for invalid boxes. */
    public static double intersectionVolume(Box3D a, Box3D b) {
        if (!a.isValid() || !b.isValid() || cannotTouch(a, b)) return 0;
        if (a.isAxisAligned() && b.isAxisAligned()) return axisAlignedIntersection(a, b);
        if (a.isYawOnly() && b.isYawOnly()) return yawOnlyIntersection(a, b);
        return polyhedralIntersection(a, b);
    }

    /** True when the bounding spheres are apart, so the boxes cannot meet: most pairs in a scene. */
    static boolean cannotTouch(Box3D a, Box3D b) {
        double ra = 0.5 * Math.sqrt(a.sx() * a.sx() + a.sy() * a.sy() + a.sz() * a.sz());
        double rb = 0.5 * Math.sqrt(b.sx() * b.sx() + b.sy() * b.sy() + b.sz() * b.sz());
        double dx = a.x() - b.x(), dy = a.y() - b.y(), dz = a.z() - b.z();
        return dx * dx + dy * dy + dz * dz > (ra + rb) * (ra + rb);
    }

    private static double overlap1d(double ca, double sa, double cb, double sb) {
        return Math.max(0, Math.min(ca + sa / 2, cb + sb / 2) - Math.max(ca - sa / 2, cb - sb / 2));
    }

    static double axisAlignedIntersection(Box3D a, Box3D b) {
        return overlap1d(a.x(), a.sx(), b.x(), b.sx())
                * overlap1d(a.y(), a.sy(), b.y(), b.sy())
                * overlap1d(a.z(), a.sz(), b.z(), b.sz());
    }

    static double yawOnlyIntersection(Box3D a, Box3D b) {
        double h = overlap1d(a.z(), a.sz(), b.z(), b.sz());
        if (h == 0) return 0;
        // Work relative to a's centre so large coordinates do not eat the precision of small boxes.
        double[] pa = rectangle(0, 0, a.sx(), a.sy(), a.yaw());
        double[] pb = rectangle(b.x() - a.x(), b.y() - a.y(), b.sx(), b.sy(), b.yaw());
        double tol = PLANE_EPS * scale(a, b);
        double[] poly = pa;
        int n = 4;
        for (int e = 0; e < 4 && n > 0; e++) {
            double x0 = pb[2 * e], y0 = pb[2 * e + 1];
            double x1 = pb[2 * ((e + 1) % 4)], y1 = pb[2 * ((e + 1) % 4) + 1];
            // Inside of a counter-clockwise edge is to its left: cross(edge, p - p0) >= 0.
            double len = Math.hypot(x1 - x0, y1 - y0);
            double nx = (y1 - y0) / len, ny = (x0 - x1) / len; // unit outward normal
            double d = nx * x0 + ny * y0;
            double[] out = new double[2 * (n + 4)];
            int m = 0;
            for (int i = 0; i < n; i++) {
                int j = (i + 1) % n;
                double px = poly[2 * i], py = poly[2 * i + 1], qx = poly[2 * j], qy = poly[2 * j + 1];
                double dp = snap(nx * px + ny * py - d, tol), dq = snap(nx * qx + ny * qy - d, tol);
                if (dp <= 0) {
                    out[2 * m] = px;
                    out[2 * m + 1] = py;
                    m++;
                }
                if ((dp < 0 && dq > 0) || (dp > 0 && dq < 0)) {
                    double t = dp / (dp - dq);
                    out[2 * m] = px + (qx - px) * t;
                    out[2 * m + 1] = py + (qy - py) * t;
                    m++;
                }
            }
            poly = out;
            n = m;
        }
        double area2 = 0;
        for (int i = 0; i < n; i++) {
            int j = (i + 1) % n;
            area2 += poly[2 * i] * poly[2 * j + 1] - poly[2 * j] * poly[2 * i + 1];
        }
        return Math.max(0, area2 / 2) * h;
    }

    /** Counter-clockwise corners {@code [x0,y0, x1,y1, ...]} of a rectangle turned by yaw. */
    private static double[] rectangle(double cx, double cy, double sx, double sy, double yaw) {
        double c = Math.cos(yaw), s = Math.sin(yaw);
        double[][] local = {{-sx / 2, -sy / 2}, {sx / 2, -sy / 2}, {sx / 2, sy / 2}, {-sx / 2, sy / 2}};
        double[] out = new double[8];
        for (int i = 0; i < 4; i++) {
            out[2 * i] = cx + c * local[i][0] - s * local[i][1];
            out[2 * i + 1] = cy + s * local[i][0] + c * local[i][1];
        }
        return out;
    }

    static double polyhedralIntersection(Box3D a, Box3D b) {
        // Coordinates relative to a's centre, for precision.
        double ox = a.x(), oy = a.y(), oz = a.z();
        double[][] ca = shiftedCorners(a, ox, oy, oz);
        double[][] cb = shiftedCorners(b, ox, oy, oz);
        double[][] planesA = planes(a, ox, oy, oz);
        double[][] planesB = planes(b, ox, oy, oz);
        double tol = PLANE_EPS * scale(a, b);
        double volume6 = 0;
        for (int f = 0; f < 6; f++) {
            volume6 += clippedFaceVolume6(ca, FACES[f], planesB, tol);
        }
        for (int f = 0; f < 6; f++) {
            if (liesOnAFaceOf(cb, FACES[f], planesB[f], planesA, tol)) continue;
            volume6 += clippedFaceVolume6(cb, FACES[f], planesA, tol);
        }
        return Math.max(0, volume6 / 6);
    }

    private static double[][] shiftedCorners(Box3D b, double ox, double oy, double oz) {
        return new Box3D(b.x() - ox, b.y() - oy, b.z() - oz, b.sx(), b.sy(), b.sz(),
                b.yaw(), b.roll(), b.pitch()).corners();
    }

    /** The six face planes {@code {nx, ny, nz, d}} (inside: n·p ≤ d), in {@link #FACES} order. */
    private static double[][] planes(Box3D b, double ox, double oy, double oz) {
        double[][] r = b.rotation();
        double[] half = {b.sx() / 2, b.sy() / 2, b.sz() / 2};
        double cx = b.x() - ox, cy = b.y() - oy, cz = b.z() - oz;
        double[][] out = new double[6][];
        for (int k = 0; k < 3; k++) {
            double nx = r[0][k], ny = r[1][k], nz = r[2][k];
            double dc = nx * cx + ny * cy + nz * cz;
            out[2 * k] = new double[] {nx, ny, nz, dc + half[k]};
            out[2 * k + 1] = new double[] {-nx, -ny, -nz, -dc + half[k]};
        }
        return out;
    }

    /** Length scale of a pair: the largest size or centre offset. */
    static double scale(Box3D a, Box3D b) {
        double s = Math.max(Math.max(a.sx(), a.sy()), Math.max(Math.max(a.sz(), b.sx()), Math.max(b.sy(), b.sz())));
        return Math.max(s, Math.max(Math.abs(b.x() - a.x()), Math.max(Math.abs(b.y() - a.y()), Math.abs(b.z() - a.z()))));
    }

    private static double snap(double distance, double tol) {
        return Math.abs(distance) <= tol ? 0 : distance;
    }

    /** True when the face (all four corners) lies on one of the planes with the same outward normal. */
    private static boolean liesOnAFaceOf(double[][] corners, int[] face, double[] facePlane, double[][] planes, double tol) {
        for (double[] q : planes) {
            if (facePlane[0] * q[0] + facePlane[1] * q[1] + facePlane[2] * q[2] <= 0) continue;
            boolean onPlane = true;
            for (int i = 0; i < 4 && onPlane; i++) {
                double[] p = corners[face[i]];
                onPlane = Math.abs(q[0] * p[0] + q[1] * p[1] + q[2] * p[2] - q[3]) <= tol;
            }
            if (onPlane) return true;
        }
        return false;
    }

    /** Six times the signed volume that the face (clipped to the half-spaces) contributes. */
    private static double clippedFaceVolume6(double[][] corners, int[] face, double[][] halfSpaces, double tol) {
        // A quad clipped by 6 planes has at most 4 + 6 vertices.
        double[][] poly = new double[10][];
        int n = 4;
        for (int i = 0; i < 4; i++) poly[i] = corners[face[i]];
        double[][] next = new double[10][];
        for (double[] h : halfSpaces) {
            int m = 0;
            for (int i = 0; i < n; i++) {
                double[] p = poly[i], q = poly[(i + 1) % n];
                double dp = snap(h[0] * p[0] + h[1] * p[1] + h[2] * p[2] - h[3], tol);
                double dq = snap(h[0] * q[0] + h[1] * q[1] + h[2] * q[2] - h[3], tol);
                if (dp <= 0) next[m++] = p;
                if ((dp < 0 && dq > 0) || (dp > 0 && dq < 0)) {
                    double t = dp / (dp - dq);
                    next[m++] = new double[] {p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t, p[2] + (q[2] - p[2]) * t};
                }
            }
            double[][] swap = poly;
            poly = next;
            next = swap;
            n = m;
            if (n < 3) return 0;
        }
        double v = 0;
        double[] p0 = poly[0];
        for (int i = 1; i + 1 < n; i++) {
            double[] p1 = poly[i], p2 = poly[i + 1];
            v += p0[0] * (p1[1] * p2[2] - p1[2] * p2[1])
                    - p0[1] * (p1[0] * p2[2] - p1[2] * p2[0])
                    + p0[2] * (p1[0] * p2[1] - p1[1] * p2[0]);
        }
        return v;
    }
}
