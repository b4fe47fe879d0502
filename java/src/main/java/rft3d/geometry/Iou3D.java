package rft3d.geometry;

/**
 * Exact intersection-over-union of two oriented 3D boxes.
 *
 * <p>The general case is exact up to rounding: the boundary of {@code A ∩ B} is turned into a volume by the
 * divergence theorem. Where faces of A and B are (nearly) parallel — identical boxes, boxes turned by
 * 1e-9, where GRPO rollouts cluster — A is clipped by B's six half-spaces as a closed convex polyhedron
 * whose caps reuse the points where it cut A's edges, so the surface stays watertight and errors stay at
 * rounding level; elsewhere the faster face-by-face clipping is just as exact.
 *
 * <p>Pairs whose bounding spheres are apart are 0 at once. Two fast paths give the same numbers for
 * special pairs: both axis-aligned (product of interval overlaps, relative to A's centre) and both
 * yaw-only (rotated-rectangle overlap in the ground plane times the height overlap).
 *
 * <p>An invalid box (see {@link Box3D#isValid()}) overlaps nothing: its IoU is 0, never NaN.
 */
public final class Iou3D {
    private Iou3D() {}

    /** Face corner indices, counter-clockwise seen from outside; order: +x, −x, +y, −y, +z, −z. */
    static final int[][] FACES = {
        {4, 6, 7, 5}, {0, 1, 3, 2}, {2, 3, 7, 6}, {0, 4, 5, 1}, {1, 5, 7, 3}, {0, 2, 6, 4},
    };

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

    /**
     * Overlap of two intervals given by centre and length, taken relative to the first centre: at
     * x = 40000.3 a 1e-12 interval would otherwise vanish in the rounding of {@code ca ± sa/2}.
     */
    private static double overlap1d(double ca, double sa, double cb, double sb) {
        double d = cb - ca;
        return Math.max(0, Math.min(sa / 2, d + sb / 2) - Math.max(-sa / 2, d - sb / 2));
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
                double dp = nx * px + ny * py - d, dq = nx * qx + ny * qy - d;
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

    /**
     * Distances to a plane within {@code ROUNDING_EPS · scale} are rounding noise and count as 0 (on the
     * plane, hence inside): a face of A lying in one of B's planes (identical boxes, a shared face) would
     * otherwise be cut by the noise's random signs into a non-convex patch. Noise is a few 1e-16 · scale;
     * genuine distances this small move the volume by at most this much times the area (1e-12 relative).
     */
    static final double ROUNDING_EPS = 1e-12;

    /** Most faces of A clipped by B's six half-spaces (its 6 plus one cap per plane). */
    static final int MAX_FACES = 12;
    /** Most vertices of one face: a quad gains at most one per clip (10), a cap has at most one per face (11). */
    static final int MAX_VERTS = 12;

    /**
     * General pairs. Where no face of A is nearly parallel to a face of B, each face of A clipped by B and
     * each face of B clipped by A ({@link #facewiseIntersection}) is exact to rounding and fast; where some
     * are, the caps of those faces would meet along an ill-conditioned line, and A is clipped as a closed
     * polyhedron instead ({@link #watertightIntersection}).
     */
    static double polyhedralIntersection(Box3D a, Box3D b) {
        double[][] ra = a.rotation(), rb = b.rotation();
        if (separated(a, ra, b, rb)) return 0;
        return nearlyParallelFaces(ra, rb) ? watertightIntersection(a, b) : facewiseIntersection(a, ra, b, rb);
    }

    /** Gap, relative to the pair's scale along an axis, beyond which rounding cannot make the boxes meet. */
    static final double SEPARATION_EPS = 1e-9;

    /**
     * True when some separating axis (a face normal of either box, or a cross product of their edge
     * directions) shows the boxes apart by more than {@link #SEPARATION_EPS} of the pair's scale: the clippers
     * would then cut every face away and return exactly 0, so the answer is the same, only sooner. A quarter
     * of the pairs that pass the bounding-sphere test in a scene end here. Near-parallel edges give a
     * near-zero cross product, whose margin keeps it from ever claiming a gap.
     */
    static boolean separated(Box3D a, double[][] ra, Box3D b, double[][] rb) {
        double tx = b.x() - a.x(), ty = b.y() - a.y(), tz = b.z() - a.z();
        double margin = SEPARATION_EPS * scale(a, b);
        for (int axis = 0; axis < 15; axis++) {
            double lx, ly, lz;
            if (axis < 6) {
                double[][] r = axis < 3 ? ra : rb;
                int k = axis % 3;
                lx = r[0][k]; ly = r[1][k]; lz = r[2][k];
            } else {
                int i = (axis - 6) / 3, j = (axis - 6) % 3;
                lx = ra[1][i] * rb[2][j] - ra[2][i] * rb[1][j];
                ly = ra[2][i] * rb[0][j] - ra[0][i] * rb[2][j];
                lz = ra[0][i] * rb[1][j] - ra[1][i] * rb[0][j];
            }
            double reach = 0;
            for (int k = 0; k < 3; k++) {
                reach += size(a, k) / 2 * Math.abs(ra[0][k] * lx + ra[1][k] * ly + ra[2][k] * lz);
                reach += size(b, k) / 2 * Math.abs(rb[0][k] * lx + rb[1][k] * ly + rb[2][k] * lz);
            }
            double norm = Math.abs(lx) + Math.abs(ly) + Math.abs(lz);
            if (Math.abs(tx * lx + ty * ly + tz * lz) > reach + margin * norm) return true;
        }
        return false;
    }

    private static double size(Box3D b, int k) {
        return k == 0 ? b.sx() : k == 1 ? b.sy() : b.sz();
    }

    /**
     * Face normals closer than this in cosine (about 1.4e-3 rad) count as nearly parallel: beyond it,
     * rounding (1e-16) moves the line where two caps meet by at most ~1e-13 · scale, far below 1e-9.
     */
    static final double PARALLEL_COS = 1 - 1e-6;

    static boolean nearlyParallelFaces(double[][] ra, double[][] rb) {
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                double dot = ra[0][i] * rb[0][j] + ra[1][i] * rb[1][j] + ra[2][i] * rb[2][j];
                if (Math.abs(dot) > PARALLEL_COS) return true;
            }
        }
        return false;
    }

    /**
     * The boundary of {@code A ∩ B} as A's faces clipped to B's half-spaces plus B's faces clipped to A's,
     * turned into a volume by the divergence theorem. Only for pairs without nearly parallel faces.
     */
    static double facewiseIntersection(Box3D a, Box3D b) {
        return facewiseIntersection(a, a.rotation(), b, b.rotation());
    }

    private static double facewiseIntersection(Box3D a, double[][] ra, Box3D b, double[][] rb) {
        double[] ac = {a.x() - a.x(), a.y() - a.y(), a.z() - a.z()}, bc = {b.x() - a.x(), b.y() - a.y(), b.z() - a.z()};
        double[] as = {a.sx(), a.sy(), a.sz()}, bs = {b.sx(), b.sy(), b.sz()};
        double[] work = new double[4 * MAX_POLY + 12];
        double volume6 = 0;
        for (int f = 0; f < 6; f++) volume6 += faceVolume6(ac, as, ra, bc, bs, rb, f, work) + faceVolume6(bc, bs, rb, ac, as, ra, f, work);
        return Math.max(0, volume6 / 6);
    }

    /** A quad clipped by 6 planes has at most 10 vertices. */
    private static final int MAX_POLY = 10;

    /**
     * Six times the signed volume that face f ({@link #FACES} order) of box x (centre xc relative to A's,
     * sizes xs, rotation rx) contributes once clipped to box y's half-spaces. The clipping runs in the face's own plane:
     * the face is the rectangle |u| ≤ h1, |v| ≤ h2 in the frame (e1, e2) with e1 × e2 its outward normal n,
     * y's planes become half-planes in (u, v), and the clipped polygon's shoelace area A2/2 gives the
     * divergence theorem's term as A2 (n·o). Two coordinates a vertex, in {@code buf} (two polygons, then
     * the frame): the CUDA kernel's face_volume6 is this, line for line.
     */
    private static double faceVolume6(double[] xc, double[] xs, double[][] rx, double[] yc, double[] ys, double[][] ry, int f,
                                      double[] buf) {
        int k = f / 2, k1 = (k + 1) % 3, k2 = (k + 2) % 3;
        double s = f % 2 == 0 ? 1 : -1;
        int e1 = 4 * MAX_POLY, e2 = e1 + 3, o = e2 + 3, rel = o + 3; // the frame, after the two polygon buffers
        double no = 0;
        for (int r = 0; r < 3; r++) {
            buf[e1 + r] = rx[r][k1];
            buf[e2 + r] = s * rx[r][k2];
            buf[o + r] = xc[r] + s * (xs[k] / 2) * rx[r][k];
            buf[rel + r] = buf[o + r] - yc[r];
        }
        for (int r = 0; r < 3; r++) no += s * rx[r][k] * buf[o + r];
        double h1 = xs[k1] / 2, h2 = xs[k2] / 2;
        int poly = 0, next = 2 * MAX_POLY; // offsets of the two buffers in buf
        buf[0] = -h1; buf[1] = -h2; buf[2] = h1; buf[3] = -h2; buf[4] = h1; buf[5] = h2; buf[6] = -h1; buf[7] = h2;
        int n = 4;
        for (int h = 0; h < 6; h++) {
            int m = h / 2;
            double sg = h % 2 == 0 ? 1 : -1;
            double al = 0, be = 0, ga = 0;
            for (int r = 0; r < 3; r++) {
                double c = ry[r][m];
                al += c * buf[e1 + r];
                be += c * buf[e2 + r];
                ga += c * buf[rel + r];
            }
            double pa = sg * al, pb = sg * be, pc = ys[m] / 2 - sg * ga; // inside: pa u + pb v <= pc
            int out = 0;
            double pu = buf[poly], pv = buf[poly + 1], dp = pa * pu + pb * pv - pc;
            for (int i = 0; i < n; i++) {
                int j = i + 1 == n ? 0 : i + 1;
                double qu = buf[poly + 2 * j], qv = buf[poly + 2 * j + 1], dq = pa * qu + pb * qv - pc;
                if (dp <= 0) {
                    buf[next + 2 * out] = pu;
                    buf[next + 2 * out + 1] = pv;
                    out++;
                }
                if ((dp <= 0) != (dq <= 0)) {
                    double t = dp / (dp - dq);
                    buf[next + 2 * out] = pu + (qu - pu) * t;
                    buf[next + 2 * out + 1] = pv + (qv - pv) * t;
                    out++;
                }
                pu = qu;
                pv = qv;
                dp = dq;
            }
            int swap = poly;
            poly = next;
            next = swap;
            n = out;
            if (n < 3) return 0;
        }
        double area2 = 0, u0 = buf[poly], v0 = buf[poly + 1], pu = u0, pv = v0;
        for (int i = 1; i <= n; i++) {
            double qu = i == n ? u0 : buf[poly + 2 * i], qv = i == n ? v0 : buf[poly + 2 * i + 1];
            area2 += pu * qv - qu * pv;
            pu = qu;
            pv = qv;
        }
        return area2 * no;
    }

    /**
     * {@code A ∩ B} as a closed convex polyhedron: A's faces are clipped by each of B's half-spaces in turn,
     * and every clip closes the polyhedron with a cap made of the very points where it cut A's edges
     * (each computed once per edge, from its endpoints in a fixed order). The surface is therefore
     * watertight whatever the rounding, and the divergence theorem gives a volume whose error stays at
     * rounding level even when faces of A and B (nearly) coincide, which clipping A and B against each
     * other separately does not: their two caps then meet along an ill-conditioned line, with a gap of
     * width rounding / angle.
     */
    static double watertightIntersection(Box3D a, Box3D b) {
        // Coordinates relative to a's centre, for precision.
        double ox = a.x(), oy = a.y(), oz = a.z();
        double[][] ca = shiftedCorners(a, ox, oy, oz);
        double[][] planesB = planes(b, ox, oy, oz);
        double[] v = new double[MAX_FACES * MAX_VERTS * 3]; // face f, vertex i, coordinate k at (f*MAX_VERTS + i)*3 + k
        int[] count = new int[MAX_FACES];
        int faces = 0;
        for (int[] face : FACES) {
            for (int i = 0; i < 4; i++) System.arraycopy(ca[face[i]], 0, v, (faces * MAX_VERTS + i) * 3, 3);
            count[faces++] = 4;
        }
        double tol = ROUNDING_EPS * scale(a, b);
        double[] tmp = new double[2 * MAX_VERTS * 3]; // a clip at most doubles a polygon
        double[] cap = new double[2 * MAX_FACES * 3];
        for (double[] h : planesB) {
            int capCount = 0, kept = 0;
            for (int f = 0; f < faces; f++) {
                int n = count[f], m = 0, base = f * MAX_VERTS * 3;
                for (int i = 0; i < n; i++) {
                    int p = base + 3 * i, q = base + 3 * ((i + 1) % n);
                    double dp = distance(h, v, p, tol), dq = distance(h, v, q, tol);
                    // A vertex on the plane counts as inside, and consistently so for every edge and face (as
                    // if pushed inwards by an infinitesimal): a face lying in the plane is kept whole and adds
                    // no cap, and the cap never repeats it.
                    if (dp <= 0) System.arraycopy(v, p, tmp, 3 * m++, 3);
                    if ((dp <= 0) != (dq <= 0)) {
                        crossing(v, p, dp, q, dq, tmp, 3 * m++);
                        capCount = addCapPoint(cap, capCount, tmp, 3 * (m - 1));
                    }
                }
                if (m >= 3) { // keep the clipped face, compacting the list
                    m = Math.min(m, MAX_VERTS); // a guard: convexity bounds m, and noise is snapped away
                    System.arraycopy(tmp, 0, v, kept * MAX_VERTS * 3, 3 * m);
                    count[kept++] = m;
                }
            }
            faces = kept;
            if (faces == 0) return 0;
            if (capCount >= 3) {
                count[faces] = orderAround(cap, capCount, h, v, faces * MAX_VERTS * 3);
                faces++;
            }
        }
        double volume6 = 0;
        for (int f = 0; f < faces; f++) {
            int base = f * MAX_VERTS * 3;
            for (int i = 1; i + 1 < count[f]; i++) {
                int p1 = base + 3 * i, p2 = p1 + 3;
                volume6 += v[base] * (v[p1 + 1] * v[p2 + 2] - v[p1 + 2] * v[p2 + 1])
                        - v[base + 1] * (v[p1] * v[p2 + 2] - v[p1 + 2] * v[p2])
                        + v[base + 2] * (v[p1] * v[p2 + 1] - v[p1 + 1] * v[p2]);
            }
        }
        return Math.max(0, volume6 / 6);
    }

    /** Signed distance of point {@code v[p..p+2]} to the plane, 0 within the rounding tolerance. */
    private static double distance(double[] h, double[] v, int p, double tol) {
        double d = h[0] * v[p] + h[1] * v[p + 1] + h[2] * v[p + 2] - h[3];
        return Math.abs(d) <= tol ? 0 : d;
    }

    /** Length scale of a pair: the largest size or centre offset. */
    static double scale(Box3D a, Box3D b) {
        double s = Math.max(Math.max(a.sx(), a.sy()), Math.max(Math.max(a.sz(), b.sx()), Math.max(b.sy(), b.sz())));
        return Math.max(s, Math.max(Math.abs(b.x() - a.x()), Math.max(Math.abs(b.y() - a.y()), Math.abs(b.z() - a.z()))));
    }

    /**
     * Where edge p–q crosses the plane, written to {@code out[o..o+2]}. Computed from the lexicographically
     * smaller endpoint, so the two faces that share the edge (and walk it in opposite directions) get the
     * same bits, and the cap they both touch closes exactly.
     */
    private static void crossing(double[] v, int p, double dp, int q, double dq, double[] out, int o) {
        if (lexicographicallyLess(v, q, p)) {
            int s = p;
            p = q;
            q = s;
            double d = dp;
            dp = dq;
            dq = d;
        }
        double t = dp / (dp - dq);
        for (int k = 0; k < 3; k++) out[o + k] = v[p + k] + (v[q + k] - v[p + k]) * t;
    }

    private static boolean lexicographicallyLess(double[] v, int p, int q) {
        for (int k = 0; k < 3; k++) {
            if (v[p + k] != v[q + k]) return v[p + k] < v[q + k];
        }
        return false;
    }

    /** Adds a point on the clipping plane unless the same point (bit for bit) is there already. */
    private static int addCapPoint(double[] cap, int n, double[] src, int s) {
        for (int i = 0; i < n; i++) {
            if (cap[3 * i] == src[s] && cap[3 * i + 1] == src[s + 1] && cap[3 * i + 2] == src[s + 2]) return n;
        }
        System.arraycopy(src, s, cap, 3 * n, 3);
        return n + 1;
    }

    /**
     * Writes the cap's points to {@code out} counter-clockwise seen from outside (along the plane's
     * normal); the cap is convex (a plane section of a convex polyhedron), so sorting by angle around the
     * centroid orders it. Returns the vertex count.
     */
    private static int orderAround(double[] cap, int n, double[] h, double[] out, int o) {
        double cx = 0, cy = 0, cz = 0;
        for (int i = 0; i < n; i++) {
            cx += cap[3 * i];
            cy += cap[3 * i + 1];
            cz += cap[3 * i + 2];
        }
        cx /= n;
        cy /= n;
        cz /= n;
        // u ⟂ normal, from the axis least aligned with it; w = normal × u.
        double nx = h[0], ny = h[1], nz = h[2];
        double ux, uy, uz;
        if (Math.abs(nx) <= Math.abs(ny) && Math.abs(nx) <= Math.abs(nz)) {
            ux = 0;
            uy = nz;
            uz = -ny;
        } else if (Math.abs(ny) <= Math.abs(nz)) {
            ux = -nz;
            uy = 0;
            uz = nx;
        } else {
            ux = ny;
            uy = -nx;
            uz = 0;
        }
        double wx = ny * uz - nz * uy, wy = nz * ux - nx * uz, wz = nx * uy - ny * ux;
        double[] angle = new double[n];
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            double dx = cap[3 * i] - cx, dy = cap[3 * i + 1] - cy, dz = cap[3 * i + 2] - cz;
            angle[i] = Math.atan2(wx * dx + wy * dy + wz * dz, ux * dx + uy * dy + uz * dz);
            order[i] = i;
            for (int j = i; j > 0 && angle[order[j - 1]] > angle[order[j]]; j--) { // insertion sort: n ≤ 24
                int s = order[j];
                order[j] = order[j - 1];
                order[j - 1] = s;
            }
        }
        int m = Math.min(n, MAX_VERTS);
        for (int i = 0; i < m; i++) System.arraycopy(cap, 3 * order[i], out, o + 3 * i, 3);
        return m;
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

}
