// Exact oriented 3D IoU on the device: the same algorithm, tolerance and path choice as the Java
// reference rft3d.geometry.Iou3D (read that first), in float64 so results match it to ~1e-12.
// A box is 9 doubles: x, y, z, sx, sy, sz, yaw, roll, pitch (intrinsic ZXY: R = Rz(yaw) Rx(roll) Ry(pitch)).
#pragma once

namespace rft3d {

constexpr double ROUNDING_EPS = 1e-12;  // Iou3D.ROUNDING_EPS
constexpr int MAX_FACES = 12;           // Iou3D.MAX_FACES: A's 6 faces plus one cap per plane of B
constexpr int MAX_VERTS = 12;           // Iou3D.MAX_VERTS
constexpr double PARALLEL_COS = 1 - 1e-6;  // Iou3D.PARALLEL_COS
constexpr int MAX_POLY = 10;            // a quad clipped by 6 planes has at most 10 vertices

// Face corner indices, counter-clockwise seen from outside: +x, -x, +y, -y, +z, -z (Iou3D.FACES).
__constant__ int FACES[6][4] = {{4, 6, 7, 5}, {0, 1, 3, 2}, {2, 3, 7, 6}, {0, 4, 5, 1}, {1, 5, 7, 3}, {0, 2, 6, 4}};

__device__ inline bool box_valid(const double* b) {
    for (int i = 0; i < 9; i++) {
        if (!isfinite(b[i])) return false;
    }
    return b[3] > 0 && b[4] > 0 && b[5] > 0;
}

__device__ inline void zxy_matrix(double yaw, double roll, double pitch, double r[3][3]) {
    double ca, sa, cb, sb, cc, sc;
    sincos(yaw, &sa, &ca);
    sincos(roll, &sb, &cb);
    sincos(pitch, &sc, &cc);
    r[0][0] = ca * cc - sa * sb * sc; r[0][1] = -sa * cb; r[0][2] = ca * sc + sa * sb * cc;
    r[1][0] = sa * cc + ca * sb * sc; r[1][1] = ca * cb;  r[1][2] = sa * sc - ca * sb * cc;
    r[2][0] = -cb * sc;               r[2][1] = sb;       r[2][2] = cb * cc;
}

// A box prepared once and reused for all its pairs: the trigonometry is the expensive part of a pair.
// Layout (PREPARED doubles): centre 0-2, sizes 3-5, rotation matrix row-major 6-14, bounding radius 15.
constexpr int PREPARED = 16;
enum Kind { INVALID = 0, ALIGNED = 1, YAW_ONLY = 2, GENERAL = 3 };

__device__ inline int prepare_box(const double* b, double* out) {
    if (!box_valid(b)) return INVALID;
    double r[3][3];
    zxy_matrix(b[6], b[7], b[8], r);
    for (int i = 0; i < 6; i++) out[i] = b[i];
    for (int i = 0; i < 9; i++) out[6 + i] = r[i / 3][i % 3];
    out[15] = 0.5 * sqrt(b[3] * b[3] + b[4] * b[4] + b[5] * b[5]);
    if (b[6] == 0 && b[7] == 0 && b[8] == 0) return ALIGNED;
    return b[7] == 0 && b[8] == 0 ? YAW_ONLY : GENERAL;
}

// Interval overlap relative to the first centre (Iou3D.overlap1d).
__device__ inline double overlap1d(double ca, double sa, double cb, double sb) {
    double d = cb - ca;
    return fmax(0.0, fmin(sa / 2, d + sb / 2) - fmax(-sa / 2, d - sb / 2));
}

__device__ inline double pair_scale(const double* a, const double* b) {
    double s = fmax(fmax(a[3], a[4]), fmax(fmax(a[5], b[3]), fmax(b[4], b[5])));
    return fmax(s, fmax(fabs(b[0] - a[0]), fmax(fabs(b[1] - a[1]), fabs(b[2] - a[2]))));
}

// a and b are prepared boxes; for a yaw-only box, cos(yaw) = R00 and sin(yaw) = R10.
__device__ inline double yaw_only_intersection(const double* a, const double* b) {
    double h = overlap1d(a[2], a[5], b[2], b[5]);
    if (h == 0) return 0;
    double pa[2 * 8], pb[8], tmp[2 * 8];
    const double lx[4] = {-0.5, 0.5, 0.5, -0.5}, ly[4] = {-0.5, -0.5, 0.5, 0.5};
    double c = a[6], s = a[9];
    for (int i = 0; i < 4; i++) {
        pa[2 * i] = c * lx[i] * a[3] - s * ly[i] * a[4];
        pa[2 * i + 1] = s * lx[i] * a[3] + c * ly[i] * a[4];
    }
    c = b[6]; s = b[9];
    for (int i = 0; i < 4; i++) {
        pb[2 * i] = (b[0] - a[0]) + c * lx[i] * b[3] - s * ly[i] * b[4];
        pb[2 * i + 1] = (b[1] - a[1]) + s * lx[i] * b[3] + c * ly[i] * b[4];
    }
    double* poly = pa;
    double* next = tmp;
    int n = 4;
    for (int e = 0; e < 4 && n > 0; e++) {
        double x0 = pb[2 * e], y0 = pb[2 * e + 1], x1 = pb[2 * ((e + 1) % 4)], y1 = pb[2 * ((e + 1) % 4) + 1];
        double len = hypot(x1 - x0, y1 - y0);
        double nx = (y1 - y0) / len, ny = (x0 - x1) / len;
        double d = nx * x0 + ny * y0;
        int m = 0;
        for (int i = 0; i < n; i++) {
            int j = (i + 1) % n;
            double px = poly[2 * i], py = poly[2 * i + 1], qx = poly[2 * j], qy = poly[2 * j + 1];
            double dp = nx * px + ny * py - d, dq = nx * qx + ny * qy - d;
            if (dp <= 0) { next[2 * m] = px; next[2 * m + 1] = py; m++; }
            if ((dp < 0 && dq > 0) || (dp > 0 && dq < 0)) {
                double t = dp / (dp - dq);
                next[2 * m] = px + (qx - px) * t; next[2 * m + 1] = py + (qy - py) * t; m++;
            }
        }
        double* sw = poly; poly = next; next = sw;
        n = m;
    }
    double area2 = 0;
    for (int i = 0; i < n; i++) {
        int j = (i + 1) % n;
        area2 += poly[2 * i] * poly[2 * j + 1] - poly[2 * j] * poly[2 * i + 1];
    }
    return fmax(0.0, area2 / 2) * h;
}

// Face planes of prepared box b relative to origin o: n.x, n.y, n.z, d, inside when n.p <= d.
__device__ inline void box_planes(const double* b, const double* o, double plane[6][4]) {
    const double(*r)[3] = reinterpret_cast<const double(*)[3]>(b + 6);
    double c[3] = {b[0] - o[0], b[1] - o[1], b[2] - o[2]};
    for (int k = 0; k < 3; k++) {
        double nx = r[0][k], ny = r[1][k], nz = r[2][k];
        double dc = nx * c[0] + ny * c[1] + nz * c[2];
        double half = b[3 + k] / 2;
        plane[2 * k][0] = nx; plane[2 * k][1] = ny; plane[2 * k][2] = nz; plane[2 * k][3] = dc + half;
        plane[2 * k + 1][0] = -nx; plane[2 * k + 1][1] = -ny; plane[2 * k + 1][2] = -nz; plane[2 * k + 1][3] = -dc + half;
    }
}

// Signed distance to a plane, 0 within the rounding tolerance (Iou3D.distance).
__device__ inline double plane_distance(const double* h, const double* p, double tol) {
    double d = h[0] * p[0] + h[1] * p[1] + h[2] * p[2] - h[3];
    return fabs(d) <= tol ? 0.0 : d;
}

// Where edge p-q crosses the plane, from the lexicographically smaller endpoint (Iou3D.crossing).
__device__ inline void edge_crossing(const double* p, double dp, const double* q, double dq, double* out) {
    bool swap = q[0] != p[0] ? q[0] < p[0] : q[1] != p[1] ? q[1] < p[1] : q[2] < p[2];
    if (swap) {
        const double* s = p; p = q; q = s;
        double d = dp; dp = dq; dq = d;
    }
    double t = dp / (dp - dq);
    for (int k = 0; k < 3; k++) out[k] = p[k] + (q[k] - p[k]) * t;
}

// Adds a point to the cap unless the same point (bit for bit) is there (Iou3D.addCapPoint).
__device__ inline int add_cap_point(double cap[][3], int n, const double* p) {
    for (int i = 0; i < n; i++)
        if (cap[i][0] == p[0] && cap[i][1] == p[1] && cap[i][2] == p[2]) return n;
    cap[n][0] = p[0]; cap[n][1] = p[1]; cap[n][2] = p[2];
    return n + 1;
}

// The cap's points counter-clockwise around the plane's normal, into out (Iou3D.orderAround).
__device__ inline int order_around(double cap[][3], int n, const double* h, double out[][3]) {
    double c[3] = {0, 0, 0};
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) c[k] += cap[i][k];
    for (int k = 0; k < 3; k++) c[k] /= n;
    double nx = h[0], ny = h[1], nz = h[2], u[3];
    if (fabs(nx) <= fabs(ny) && fabs(nx) <= fabs(nz)) { u[0] = 0; u[1] = nz; u[2] = -ny; }
    else if (fabs(ny) <= fabs(nz)) { u[0] = -nz; u[1] = 0; u[2] = nx; }
    else { u[0] = ny; u[1] = -nx; u[2] = 0; }
    double w[3] = {ny * u[2] - nz * u[1], nz * u[0] - nx * u[2], nx * u[1] - ny * u[0]};
    double angle[2 * MAX_FACES];
    int order[2 * MAX_FACES];
    for (int i = 0; i < n; i++) {
        double d[3] = {cap[i][0] - c[0], cap[i][1] - c[1], cap[i][2] - c[2]};
        angle[i] = atan2(w[0] * d[0] + w[1] * d[1] + w[2] * d[2], u[0] * d[0] + u[1] * d[1] + u[2] * d[2]);
        order[i] = i;
        for (int j = i; j > 0 && angle[order[j - 1]] > angle[order[j]]; j--) {
            int s = order[j]; order[j] = order[j - 1]; order[j - 1] = s;
        }
    }
    int m = n < MAX_VERTS ? n : MAX_VERTS;
    for (int i = 0; i < m; i++)
        for (int k = 0; k < 3; k++) out[i][k] = cap[order[i]][k];
    return m;
}

// Iou3D.nearlyParallelFaces: some face normal of A within ~1.4e-3 rad of one of B's.
__device__ inline bool nearly_parallel_faces(const double* a, const double* b) {
    const double(*ra)[3] = reinterpret_cast<const double(*)[3]>(a + 6);
    const double(*rb)[3] = reinterpret_cast<const double(*)[3]>(b + 6);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (fabs(ra[0][i] * rb[0][j] + ra[1][i] * rb[1][j] + ra[2][i] * rb[2][j]) > PARALLEL_COS) return true;
    return false;
}

// Corners of prepared box b relative to origin o.
__device__ inline void box_corners(const double* b, const double* o, double corner[8][3]) {
    const double(*r)[3] = reinterpret_cast<const double(*)[3]>(b + 6);
    double c[3] = {b[0] - o[0], b[1] - o[1], b[2] - o[2]};
    for (int i = 0; i < 8; i++) {
        double l[3] = {((i & 4) ? 0.5 : -0.5) * b[3], ((i & 2) ? 0.5 : -0.5) * b[4], ((i & 1) ? 0.5 : -0.5) * b[5]};
        for (int k = 0; k < 3; k++) corner[i][k] = c[k] + r[k][0] * l[0] + r[k][1] * l[1] + r[k][2] * l[2];
    }
}

// Six times the volume that face f (0-5: +x, -x, +y, -y, +z, -z) of prepared box x contributes once clipped
// to prepared box y, coordinates relative to a's centre (Iou3D.faceVolume6, line for line): clipped in the
// face's own plane, two coordinates a vertex, so that the polygon buffers take 320 bytes. The two buffers (10
// vertices, 2 coordinates) are buf[k * stride], k < 40: a column of shared memory when every thread of a
// block clips a face (its lanes then never meet in a bank, however their polygons differ), or a local array.
__device__ inline double face_volume6(const double* x, const double* y, const double* a, int f, double* buf, int stride) {
    const int k = f / 2, k1 = (k + 1) % 3, k2 = (k + 2) % 3;
    const double s = f % 2 == 0 ? 1.0 : -1.0;
    double e1[3], e2[3], o[3], rel[3], no = 0;
    for (int r = 0; r < 3; r++) {
        double ck = x[6 + 3 * r + k];
        e1[r] = x[6 + 3 * r + k1];
        e2[r] = s * x[6 + 3 * r + k2];
        o[r] = (x[r] - a[r]) + s * (x[3 + k] / 2) * ck;
        rel[r] = o[r] - (y[r] - a[r]);
    }
    for (int r = 0; r < 3; r++) no += s * x[6 + 3 * r + k] * o[r];
    const double h1 = x[3 + k1] / 2, h2 = x[3 + k2] / 2;
    int poly = 0, next = 2 * MAX_POLY;  // offsets of the two buffers
#define V(i) buf[(i) * stride]
    V(0) = -h1; V(1) = -h2; V(2) = h1; V(3) = -h2; V(4) = h1; V(5) = h2; V(6) = -h1; V(7) = h2;
    int n = 4;
    for (int h = 0; h < 6; h++) {
        const int m = h / 2;
        const double sg = h % 2 == 0 ? 1.0 : -1.0;
        double al = 0, be = 0, ga = 0;
        for (int r = 0; r < 3; r++) {
            double c = y[6 + 3 * r + m];
            al += c * e1[r];
            be += c * e2[r];
            ga += c * rel[r];
        }
        const double A = sg * al, B = sg * be, C = y[3 + m] / 2 - sg * ga;  // inside: A u + B v <= C
        int out = 0;
        double pu = V(poly), pv = V(poly + 1), dp = A * pu + B * pv - C;
        for (int i = 0; i < n; i++) {
            int j = i + 1 == n ? 0 : i + 1;
            double qu = V(poly + 2 * j), qv = V(poly + 2 * j + 1), dq = A * qu + B * qv - C;
            if (dp <= 0) { V(next + 2 * out) = pu; V(next + 2 * out + 1) = pv; out++; }
            if ((dp <= 0) != (dq <= 0)) {
                double t = dp / (dp - dq);
                V(next + 2 * out) = pu + (qu - pu) * t; V(next + 2 * out + 1) = pv + (qv - pv) * t; out++;
            }
            pu = qu; pv = qv; dp = dq;
        }
        int sw = poly; poly = next; next = sw;
        n = out;
        if (n < 3) return 0;
    }
    double area2 = 0, u0 = V(poly), v0 = V(poly + 1), pu = u0, pv = v0;
    for (int i = 1; i <= n; i++) {
        double qu = i == n ? u0 : V(poly + 2 * i), qv = i == n ? v0 : V(poly + 2 * i + 1);
        area2 += pu * qv - qu * pv;
        pu = qu; pv = qv;
    }
#undef V
    return area2 * no;
}

// A's faces clipped by B and B's by A (Iou3D.facewiseIntersection): pairs without nearly parallel faces.
__device__ inline double facewise_intersection(const double* a, const double* b) {
    double buf[4 * MAX_POLY], v6 = 0;
    for (int f = 0; f < 6; f++) v6 += face_volume6(a, b, a, f, buf, 1) + face_volume6(b, a, a, f, buf, 1);
    return fmax(0.0, v6 / 6);
}

// One face's polygon (n vertices) clipped by plane h, Iou3D.watertightIntersection's inner loop line for line:
// the kept part to out (its vertex count returned, at most 2 n), and the indices in out of the points where
// edges cross the plane, in edge order, to crossAt (their number to crossings).
__device__ inline int clip_polygon(const double (*poly)[3], int n, const double* h, double tol, double (*out)[3], int* crossAt,
                                   int& crossings) {
    int m = 0;
    crossings = 0;
    for (int i = 0; i < n; i++) {
        const double* p = poly[i];
        const double* q = poly[(i + 1) % n];
        double dp = plane_distance(h, p, tol), dq = plane_distance(h, q, tol);
        if (dp <= 0) { out[m][0] = p[0]; out[m][1] = p[1]; out[m][2] = p[2]; m++; }
        if ((dp <= 0) != (dq <= 0)) {
            edge_crossing(p, dp, q, dq, out[m]);
            crossAt[crossings++] = m;
            m++;
        }
    }
    return m;
}

// Six times the volume of a closed polyhedron given as faces (divergence theorem, fans from each face's first
// vertex), summed in face order.
__device__ inline double faces_volume6(const double (*v)[MAX_VERTS][3], const int* count, int faces) {
    double v6 = 0;
    for (int f = 0; f < faces; f++) {
        const double* p0 = v[f][0];
        for (int i = 1; i + 1 < count[f]; i++) {
            const double *p1 = v[f][i], *p2 = v[f][i + 1];
            v6 += p0[0] * (p1[1] * p2[2] - p1[2] * p2[1]) - p0[1] * (p1[0] * p2[2] - p1[2] * p2[0]) +
                  p0[2] * (p1[0] * p2[1] - p1[1] * p2[0]);
        }
    }
    return v6;
}

// A's six faces, corners relative to A's centre, as the watertight clipper starts from them.
__device__ inline void box_faces(const double* a, double (*v)[MAX_VERTS][3], int* count) {
    double ca[8][3];
    box_corners(a, a, ca);
    for (int f = 0; f < 6; f++) {
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < 3; k++) v[f][i][k] = ca[FACES[f][i]][k];
        count[f] = 4;
    }
}

// A clipped by B's half-spaces as a closed polyhedron, caps built from the cut points; volume by the
// divergence theorem (Iou3D.watertightIntersection). One thread; watertight_intersection_warp below is the
// same with a warp's lanes clipping the faces.
__device__ inline double watertight_intersection(const double* a, const double* b) {
    double planes[6][4];
    box_planes(b, a, planes);
    double tol = ROUNDING_EPS * pair_scale(a, b);
    double v[MAX_FACES][MAX_VERTS][3];
    int count[MAX_FACES];
    box_faces(a, v, count);
    int faces = 6;
    double tmp[2 * MAX_VERTS][3];
    double cap[2 * MAX_FACES][3];
    int crossAt[2 * MAX_VERTS], crossings;
    for (int hp = 0; hp < 6; hp++) {
        const double* h = planes[hp];
        int capCount = 0, kept = 0;
        for (int f = 0; f < faces; f++) {
            int m = clip_polygon(v[f], count[f], h, tol, tmp, crossAt, crossings);
            for (int c = 0; c < crossings; c++) capCount = add_cap_point(cap, capCount, tmp[crossAt[c]]);
            if (m >= 3) {
                if (m > MAX_VERTS) m = MAX_VERTS;
                for (int i = 0; i < m; i++)
                    for (int k = 0; k < 3; k++) v[kept][i][k] = tmp[i][k];
                count[kept++] = m;
            }
        }
        faces = kept;
        if (faces == 0) return 0;
        if (capCount >= 3) {
            count[faces] = order_around(cap, capCount, h, v[faces]);
            faces++;
        }
    }
    return fmax(0.0, faces_volume6(v, count, faces) / 6);
}

// watertight_intersection_warp's state, in shared memory: the polyhedron's faces, each face's clipped
// polygon and crossings, the cap.
struct WatertightState {
    double planes[6][4], tol;
    double v[MAX_FACES][MAX_VERTS][3];
    double out[MAX_FACES][2 * MAX_VERTS][3];
    double cap[2 * MAX_FACES][3];
    int count[MAX_FACES], m[MAX_FACES], crossings[MAX_FACES], crossAt[MAX_FACES][2 * MAX_VERTS], keptAt[MAX_FACES];
    int faces, kept, capCount;
};

// watertight_intersection by a whole warp: lane f clips face f, lane 0 gathers the cap's points in face order
// and builds the cap, so every number is the one-thread version's. A pair alone took ~130 us on one thread
// (a long chain of dependent steps), and the face-wise clipping waited for its few pairs.
__device__ inline double watertight_intersection_warp(const double* a, const double* b, WatertightState& s) {
    const int lane = threadIdx.x % 32;
    if (lane == 0) {
        box_planes(b, a, s.planes);
        s.tol = ROUNDING_EPS * pair_scale(a, b);
        box_faces(a, s.v, s.count);
        s.faces = 6;
    }
    __syncwarp();
    for (int hp = 0; hp < 6; hp++) {
        const int faces = s.faces;
        if (lane < faces) s.m[lane] = clip_polygon(s.v[lane], s.count[lane], s.planes[hp], s.tol, s.out[lane], s.crossAt[lane], s.crossings[lane]);
        __syncwarp();
        if (lane == 0) {
            int capCount = 0, kept = 0;
            for (int f = 0; f < faces; f++) {
                for (int c = 0; c < s.crossings[f]; c++) capCount = add_cap_point(s.cap, capCount, s.out[f][s.crossAt[f][c]]);
                s.keptAt[f] = s.m[f] >= 3 ? kept++ : -1;
            }
            s.capCount = capCount;
            s.kept = kept;
        }
        __syncwarp();
        if (lane < faces && s.keptAt[lane] >= 0) {  // kept faces move down, from their clipped copies
            const int m = s.m[lane] > MAX_VERTS ? MAX_VERTS : s.m[lane], to = s.keptAt[lane];
            for (int i = 0; i < m; i++)
                for (int k = 0; k < 3; k++) s.v[to][i][k] = s.out[lane][i][k];
            s.count[to] = m;
        }
        __syncwarp();
        if (s.kept == 0) return 0;
        if (lane == 0) {
            int f = s.kept;
            if (s.capCount >= 3) {
                s.count[f] = order_around(s.cap, s.capCount, s.planes[hp], s.v[f]);
                f++;
            }
            s.faces = f;
        }
        __syncwarp();
    }
    double v6 = lane == 0 ? faces_volume6(s.v, s.count, s.faces) : 0;
    return fmax(0.0, __shfl_sync(0xffffffffu, v6, 0) / 6);
}

constexpr double SEPARATION_EPS = 1e-9;  // Iou3D.SEPARATION_EPS

// Iou3D.separated, line for line: some face normal or edge cross product shows prepared boxes a and b apart
// by more than SEPARATION_EPS of the pair's scale, so the clippers would return exactly 0. The boxes are
// read into registers once and the axes unrolled: indexing the tables per axis made ~180 loads a pair.
__device__ inline bool separated(const double* pa, const double* pb) {
    double a[15], b[15];
#pragma unroll
    for (int k = 0; k < 15; k++) a[k] = pa[k], b[k] = pb[k];
#define RA(r, c) a[6 + 3 * (r) + (c)]
#define RB(r, c) b[6 + 3 * (r) + (c)]
    const double tx = b[0] - a[0], ty = b[1] - a[1], tz = b[2] - a[2];
    const double margin = SEPARATION_EPS * pair_scale(a, b);
    bool apart = false;
#pragma unroll
    for (int axis = 0; axis < 15; axis++) {
        double lx, ly, lz;
        if (axis < 3) {
            lx = RA(0, axis); ly = RA(1, axis); lz = RA(2, axis);
        } else if (axis < 6) {
            lx = RB(0, axis - 3); ly = RB(1, axis - 3); lz = RB(2, axis - 3);
        } else {
            const int i = (axis - 6) / 3, j = (axis - 6) % 3;
            lx = RA(1, i) * RB(2, j) - RA(2, i) * RB(1, j);
            ly = RA(2, i) * RB(0, j) - RA(0, i) * RB(2, j);
            lz = RA(0, i) * RB(1, j) - RA(1, i) * RB(0, j);
        }
        double reach = 0;
#pragma unroll
        for (int k = 0; k < 3; k++) {
            reach += a[3 + k] / 2 * fabs(RA(0, k) * lx + RA(1, k) * ly + RA(2, k) * lz);
            reach += b[3 + k] / 2 * fabs(RB(0, k) * lx + RB(1, k) * ly + RB(2, k) * lz);
        }
        const double norm = fabs(lx) + fabs(ly) + fabs(lz);
        apart |= fabs(tx * lx + ty * ly + tz * lz) > reach + margin * norm;
    }
#undef RA
#undef RB
    return apart;
}

// Iou3D.polyhedralIntersection: 0 for separated boxes, watertight where faces are nearly parallel,
// face-wise elsewhere.
__device__ inline double polyhedral_intersection(const double* a, const double* b) {
    if (separated(a, b)) return 0;
    return nearly_parallel_faces(a, b) ? watertight_intersection(a, b) : facewise_intersection(a, b);
}

// IoU from the intersection volume, as Iou3D.iou: 0 also for NaN from overflowing sizes.
__device__ inline double iou_from_intersection(const double* a, const double* b, double inter) {
    double iou = inter / (a[3] * a[4] * a[5] + b[3] * b[4] * b[5] - inter);
    if (!(iou > 0)) return 0;
    return fmin(iou, 1.0);
}

// True when two spheres (centre, radius) are apart.
__device__ inline bool spheres_apart(double ax, double ay, double az, double ar, double bx, double by, double bz, double br) {
    double dx = ax - bx, dy = ay - by, dz = az - bz;
    return dx * dx + dy * dy + dz * dz > (ar + br) * (ar + br);
}

// True when the bounding spheres of two prepared boxes are apart: they cannot meet (Iou3D.cannotTouch).
__device__ inline bool cannot_touch(const double* a, const double* b) {
    return spheres_apart(a[0], a[1], a[2], a[15], b[0], b[1], b[2], b[15]);
}

// Intersection of two upright prepared boxes (kinds ALIGNED or YAW_ONLY), as Iou3D's two fast paths.
__device__ inline double upright_intersection(const double* a, int kindA, const double* b, int kindB) {
    if (kindA == ALIGNED && kindB == ALIGNED)
        return overlap1d(a[0], a[3], b[0], b[3]) * overlap1d(a[1], a[4], b[1], b[4]) * overlap1d(a[2], a[5], b[2], b[5]);
    return yaw_only_intersection(a, b);
}

// IoU of two prepared boxes of the given kinds; the same path choice as Iou3D.intersectionVolume.
__device__ inline double iou_prepared(const double* a, int kindA, const double* b, int kindB) {
    if (kindA == INVALID || kindB == INVALID || cannot_touch(a, b)) return 0;
    const double inter = kindA <= YAW_ONLY && kindB <= YAW_ONLY ? upright_intersection(a, kindA, b, kindB) : polyhedral_intersection(a, b);
    return iou_from_intersection(a, b, inter);
}

// IoU of two raw 9-number boxes.
__device__ inline double iou3d(const double* a, const double* b) {
    double pa[PREPARED], pb[PREPARED];
    int ka = prepare_box(a, pa), kb = prepare_box(b, pb);
    return iou_prepared(pa, ka, pb, kb);
}

}  // namespace rft3d
