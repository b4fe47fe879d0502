package rft3d.geometry;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * An independent oracle for oriented-box IoU: the same 9 doubles, but the rotation, the corners and the
 * clipping computed in 60-digit decimal arithmetic, with sin and cos from their series. Rounding is then
 * ~1e-55, so coincident faces are recognised by an exact-looking zero (below 1e-40) and near-coincident
 * ones are resolved correctly: what the double-precision code is measured against.
 */
public final class ExactIou {
    static final MathContext MC = new MathContext(60);
    static final BigDecimal ZERO_TOL = new BigDecimal("1e-40");
    static final BigDecimal HALF = new BigDecimal("0.5");

    private ExactIou() {}

    /** The IoU of two boxes, to ~1e-50. */
    public static double iou(Box3D a, Box3D b) {
        if (!a.isValid() || !b.isValid()) return 0;
        BigDecimal[][] ca = corners(a), cb = corners(b);
        BigDecimal[][] pa = planes(a), pb = planes(b);
        BigDecimal v6 = BigDecimal.ZERO;
        for (int[] face : Iou3D.FACES) v6 = v6.add(clipped(ca, face, pb), MC);
        for (int f = 0; f < 6; f++) {
            if (onFaceOf(cb, Iou3D.FACES[f], pb[f], pa)) continue;
            v6 = v6.add(clipped(cb, Iou3D.FACES[f], pa), MC);
        }
        BigDecimal inter = v6.divide(BigDecimal.valueOf(6), MC).max(BigDecimal.ZERO);
        BigDecimal va = bd(a.sx()).multiply(bd(a.sy()), MC).multiply(bd(a.sz()), MC);
        BigDecimal vb = bd(b.sx()).multiply(bd(b.sy()), MC).multiply(bd(b.sz()), MC);
        BigDecimal union = va.add(vb, MC).subtract(inter, MC);
        return inter.divide(union, MC).doubleValue();
    }

    static BigDecimal bd(double v) {
        return new BigDecimal(v);
    }

    static BigDecimal sin(double angle) {
        BigDecimal x = bd(angle), term = x, sum = x, x2 = x.multiply(x, MC);
        for (int k = 1; k < 200 && term.abs().compareTo(new BigDecimal("1e-70")) > 0; k++) {
            term = term.multiply(x2, MC).divide(BigDecimal.valueOf((2L * k) * (2L * k + 1)), MC).negate();
            sum = sum.add(term, MC);
        }
        return sum;
    }

    static BigDecimal cos(double angle) {
        BigDecimal x2 = bd(angle).multiply(bd(angle), MC), term = BigDecimal.ONE, sum = BigDecimal.ONE;
        for (int k = 1; k < 200 && term.abs().compareTo(new BigDecimal("1e-70")) > 0; k++) {
            term = term.multiply(x2, MC).divide(BigDecimal.valueOf((2L * k - 1) * (2L * k)), MC).negate();
            sum = sum.add(term, MC);
        }
        return sum;
    }

    /** {@code Rz(yaw)·Rx(roll)·Ry(pitch)} in 60 digits. */
    static BigDecimal[][] rotation(Box3D b) {
        BigDecimal ca = cos(b.yaw()), sa = sin(b.yaw()), cb = cos(b.roll()), sb = sin(b.roll()), cc = cos(b.pitch()), sc = sin(b.pitch());
        return new BigDecimal[][] {
            {ca.multiply(cc, MC).subtract(sa.multiply(sb, MC).multiply(sc, MC), MC), sa.multiply(cb, MC).negate(),
                ca.multiply(sc, MC).add(sa.multiply(sb, MC).multiply(cc, MC), MC)},
            {sa.multiply(cc, MC).add(ca.multiply(sb, MC).multiply(sc, MC), MC), ca.multiply(cb, MC),
                sa.multiply(sc, MC).subtract(ca.multiply(sb, MC).multiply(cc, MC), MC)},
            {cb.multiply(sc, MC).negate(), sb, cb.multiply(cc, MC)},
        };
    }

    static BigDecimal[][] corners(Box3D b) {
        BigDecimal[][] r = rotation(b);
        BigDecimal[] c = {bd(b.x()), bd(b.y()), bd(b.z())};
        BigDecimal[] s = {bd(b.sx()), bd(b.sy()), bd(b.sz())};
        BigDecimal[][] out = new BigDecimal[8][3];
        for (int i = 0; i < 8; i++) {
            BigDecimal[] l = {s[0].multiply((i & 4) != 0 ? HALF : HALF.negate(), MC), s[1].multiply((i & 2) != 0 ? HALF : HALF.negate(), MC),
                s[2].multiply((i & 1) != 0 ? HALF : HALF.negate(), MC)};
            for (int k = 0; k < 3; k++) {
                out[i][k] = c[k].add(r[k][0].multiply(l[0], MC), MC).add(r[k][1].multiply(l[1], MC), MC).add(r[k][2].multiply(l[2], MC), MC);
            }
        }
        return out;
    }

    static BigDecimal[][] planes(Box3D b) {
        BigDecimal[][] r = rotation(b);
        BigDecimal[] c = {bd(b.x()), bd(b.y()), bd(b.z())};
        BigDecimal[] half = {bd(b.sx()).multiply(HALF, MC), bd(b.sy()).multiply(HALF, MC), bd(b.sz()).multiply(HALF, MC)};
        BigDecimal[][] out = new BigDecimal[6][];
        for (int k = 0; k < 3; k++) {
            BigDecimal dc = r[0][k].multiply(c[0], MC).add(r[1][k].multiply(c[1], MC), MC).add(r[2][k].multiply(c[2], MC), MC);
            out[2 * k] = new BigDecimal[] {r[0][k], r[1][k], r[2][k], dc.add(half[k], MC)};
            out[2 * k + 1] = new BigDecimal[] {r[0][k].negate(), r[1][k].negate(), r[2][k].negate(), half[k].subtract(dc, MC)};
        }
        return out;
    }

    static BigDecimal dist(BigDecimal[] h, BigDecimal[] p) {
        BigDecimal d = h[0].multiply(p[0], MC).add(h[1].multiply(p[1], MC), MC).add(h[2].multiply(p[2], MC), MC).subtract(h[3], MC);
        return d.abs().compareTo(ZERO_TOL) <= 0 ? BigDecimal.ZERO : d;
    }

    static boolean onFaceOf(BigDecimal[][] corners, int[] face, BigDecimal[] facePlane, BigDecimal[][] planes) {
        for (BigDecimal[] q : planes) {
            BigDecimal dot = facePlane[0].multiply(q[0], MC).add(facePlane[1].multiply(q[1], MC), MC).add(facePlane[2].multiply(q[2], MC), MC);
            if (dot.signum() <= 0) continue;
            boolean on = true;
            for (int i = 0; i < 4 && on; i++) on = dist(q, corners[face[i]]).signum() == 0;
            if (on) return true;
        }
        return false;
    }

    static BigDecimal clipped(BigDecimal[][] corners, int[] face, BigDecimal[][] halfSpaces) {
        BigDecimal[][] poly = new BigDecimal[4][];
        for (int i = 0; i < 4; i++) poly[i] = corners[face[i]];
        int n = 4;
        for (BigDecimal[] h : halfSpaces) {
            BigDecimal[][] next = new BigDecimal[n + 4][];
            int m = 0;
            for (int i = 0; i < n; i++) {
                BigDecimal[] p = poly[i], q = poly[(i + 1) % n];
                BigDecimal dp = dist(h, p), dq = dist(h, q);
                if (dp.signum() <= 0) next[m++] = p;
                if (dp.signum() * dq.signum() < 0) {
                    BigDecimal t = dp.divide(dp.subtract(dq, MC), MC);
                    BigDecimal[] x = new BigDecimal[3];
                    for (int k = 0; k < 3; k++) x[k] = p[k].add(q[k].subtract(p[k], MC).multiply(t, MC), MC);
                    next[m++] = x;
                }
            }
            poly = next;
            n = m;
            if (n < 3) return BigDecimal.ZERO;
        }
        BigDecimal v = BigDecimal.ZERO;
        BigDecimal[] p0 = poly[0];
        for (int i = 1; i + 1 < n; i++) {
            BigDecimal[] p1 = poly[i], p2 = poly[i + 1];
            v = v.add(p0[0].multiply(p1[1].multiply(p2[2], MC).subtract(p1[2].multiply(p2[1], MC), MC), MC), MC)
                    .subtract(p0[1].multiply(p1[0].multiply(p2[2], MC).subtract(p1[2].multiply(p2[0], MC), MC), MC), MC)
                    .add(p0[2].multiply(p1[0].multiply(p2[1], MC).subtract(p1[1].multiply(p2[0], MC), MC), MC), MC);
        }
        return v;
    }
}
