// Exact oriented 3D IoU on the device: the same algorithm, tolerances and path choice as the Java
// reference rft3d.geometry.Iou3D (read that first), in float64 so results match it to ~1e-12.
// A box is 9 doubles: x, y, z, sx, sy, sz, yaw, roll, pitch (intrinsic ZXY: R = Rz(yaw) Rx(roll) Ry(pitch)).
#pragma once

namespace rft3d {

constexpr double PLANE_EPS = 1e-10;  // Iou3D.PLANE_EPS
constexpr int MAX_POLY = 10;         // a quad clipped by 6 planes has at most 10 vertices

// Face corner indices, counter-clockwise seen from outside: +x, -x, +y, -y, +z, -z (Iou3D.FACES).
__constant__ int FACES[6][4] = {{4, 6, 7, 5}, {0, 1, 3, 2}, {2, 3, 7, 6}, {0, 4, 5, 1}, {1, 5, 7, 3}, {0, 2, 6, 4}};

__device__ inline bool box_valid(const double* b) {
    for (int i = 0; i < 9; i++) {
        if (!isfinite(b[i])) return false;
    }
    return b[3] > 0 && b[4] > 0 && b[5] > 0;
}

__device__ inline void zxy_matrix(double yaw, double roll, double pitch, double r[3][3]) {
    double ca = cos(yaw), sa = sin(yaw), cb = cos(roll), sb = sin(roll), cc = cos(pitch), sc = sin(pitch);
    r[0][0] = ca * cc - sa * sb * sc; r[0][1] = -sa * cb; r[0][2] = ca * sc + sa * sb * cc;
    r[1][0] = sa * cc + ca * sb * sc; r[1][1] = ca * cb;  r[1][2] = sa * sc - ca * sb * cc;
    r[2][0] = -cb * sc;               r[2][1] = sb;       r[2][2] = cb * cc;
}

// Rotations.matrixToZxy: {yaw, roll, pitch}; at gimbal lock pitch = 0.
__device__ inline void matrix_to_zxy(const double r[3][3], double out[3]) {
    double sb = fmax(-1.0, fmin(1.0, r[2][1]));
    out[1] = asin(sb);
    double cb = hypot(r[2][0], r[2][2]);
    if (cb < 1e-9) {
        out[0] = atan2(r[1][0], r[0][0]);
        out[2] = 0;
    } else {
        out[0] = atan2(-r[0][1], r[1][1]);
        out[2] = atan2(-r[2][0], r[2][2]);
    }
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

__device__ inline double overlap1d(double ca, double sa, double cb, double sb) {
    return fmax(0.0, fmin(ca + sa / 2, cb + sb / 2) - fmax(ca - sa / 2, cb - sb / 2));
}

__device__ inline double snap(double d, double tol) { return fabs(d) <= tol ? 0.0 : d; }

__device__ inline double pair_scale(const double* a, const double* b) {
    double s = fmax(fmax(a[3], a[4]), fmax(fmax(a[5], b[3]), fmax(b[4], b[5])));
    return fmax(s, fmax(fabs(b[0] - a[0]), fmax(fabs(b[1] - a[1]), fabs(b[2] - a[2]))));
}

// a and b are prepared boxes; for a yaw-only box, cos(yaw) = R00 and sin(yaw) = R10.
__device__ inline double yaw_only_intersection(const double* a, const double* b) {
    double h = overlap1d(a[2], a[5], b[2], b[5]);
    if (h == 0) return 0;
    double tol = PLANE_EPS * pair_scale(a, b);
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
            double dp = snap(nx * px + ny * py - d, tol), dq = snap(nx * qx + ny * qy - d, tol);
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

struct Solid {
    double corner[8][3];
    double plane[6][4];  // n.x, n.y, n.z, d: inside when n.p <= d
};

// Corners and face planes of prepared box b, relative to origin o (box a's centre, for precision).
__device__ inline void make_solid(const double* b, const double* o, Solid& s) {
    const double(*r)[3] = reinterpret_cast<const double(*)[3]>(b + 6);
    double c[3] = {b[0] - o[0], b[1] - o[1], b[2] - o[2]};
    for (int i = 0; i < 8; i++) {
        double l[3] = {((i & 4) ? 0.5 : -0.5) * b[3], ((i & 2) ? 0.5 : -0.5) * b[4], ((i & 1) ? 0.5 : -0.5) * b[5]};
        for (int k = 0; k < 3; k++) s.corner[i][k] = c[k] + r[k][0] * l[0] + r[k][1] * l[1] + r[k][2] * l[2];
    }
    for (int k = 0; k < 3; k++) {
        double nx = r[0][k], ny = r[1][k], nz = r[2][k];
        double dc = nx * c[0] + ny * c[1] + nz * c[2];
        double half = b[3 + k] / 2;
        s.plane[2 * k][0] = nx; s.plane[2 * k][1] = ny; s.plane[2 * k][2] = nz; s.plane[2 * k][3] = dc + half;
        s.plane[2 * k + 1][0] = -nx; s.plane[2 * k + 1][1] = -ny; s.plane[2 * k + 1][2] = -nz; s.plane[2 * k + 1][3] = -dc + half;
    }
}

// Six times the signed volume the face of `from` contributes once clipped to the half-spaces of `by`.
__device__ inline double clipped_face_volume6(const Solid& from, int f, const Solid& by, double tol) {
    double bufA[MAX_POLY][3], bufB[MAX_POLY][3];
    double (*poly)[3] = bufA;
    double (*next)[3] = bufB;
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 3; k++) poly[i][k] = from.corner[FACES[f][i]][k];
    int n = 4;
    for (int h = 0; h < 6; h++) {
        const double* pl = by.plane[h];
        int m = 0;
        for (int i = 0; i < n; i++) {
            const double* p = poly[i];
            const double* q = poly[(i + 1) % n];
            double dp = snap(pl[0] * p[0] + pl[1] * p[1] + pl[2] * p[2] - pl[3], tol);
            double dq = snap(pl[0] * q[0] + pl[1] * q[1] + pl[2] * q[2] - pl[3], tol);
            if (dp <= 0) { next[m][0] = p[0]; next[m][1] = p[1]; next[m][2] = p[2]; m++; }
            if ((dp < 0 && dq > 0) || (dp > 0 && dq < 0)) {
                double t = dp / (dp - dq);
                for (int k = 0; k < 3; k++) next[m][k] = p[k] + (q[k] - p[k]) * t;
                m++;
            }
        }
        double (*sw)[3] = poly; poly = next; next = sw;
        n = m;
        if (n < 3) return 0;
    }
    double v = 0;
    for (int i = 1; i + 1 < n; i++) {
        const double *p0 = poly[0], *p1 = poly[i], *p2 = poly[i + 1];
        v += p0[0] * (p1[1] * p2[2] - p1[2] * p2[1]) - p0[1] * (p1[0] * p2[2] - p1[2] * p2[0]) +
             p0[2] * (p1[0] * p2[1] - p1[1] * p2[0]);
    }
    return v;
}

__device__ inline bool lies_on_a_face_of(const Solid& s, int f, const Solid& other, double tol) {
    const double* fp = s.plane[f];
    for (int h = 0; h < 6; h++) {
        const double* q = other.plane[h];
        if (fp[0] * q[0] + fp[1] * q[1] + fp[2] * q[2] <= 0) continue;
        bool on = true;
        for (int i = 0; i < 4 && on; i++) {
            const double* p = s.corner[FACES[f][i]];
            on = fabs(q[0] * p[0] + q[1] * p[1] + q[2] * p[2] - q[3]) <= tol;
        }
        if (on) return true;
    }
    return false;
}

__device__ inline double polyhedral_intersection(const double* a, const double* b) {
    Solid sa, sb;
    make_solid(a, a, sa);
    make_solid(b, a, sb);
    double tol = PLANE_EPS * pair_scale(a, b);
    double v6 = 0;
    for (int f = 0; f < 6; f++) v6 += clipped_face_volume6(sa, f, sb, tol);
    for (int f = 0; f < 6; f++) {
        if (lies_on_a_face_of(sb, f, sa, tol)) continue;
        v6 += clipped_face_volume6(sb, f, sa, tol);
    }
    return fmax(0.0, v6 / 6);
}

// True when the bounding spheres of two prepared boxes are apart: they cannot meet (Iou3D.cannotTouch).
__device__ inline bool cannot_touch(const double* a, const double* b) {
    double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
    return dx * dx + dy * dy + dz * dz > (a[15] + b[15]) * (a[15] + b[15]);
}

// IoU of two prepared boxes of the given kinds; the same path choice as Iou3D.intersectionVolume.
__device__ inline double iou_prepared(const double* a, int kindA, const double* b, int kindB) {
    if (kindA == INVALID || kindB == INVALID || cannot_touch(a, b)) return 0;
    double inter;
    if (kindA == ALIGNED && kindB == ALIGNED)
        inter = overlap1d(a[0], a[3], b[0], b[3]) * overlap1d(a[1], a[4], b[1], b[4]) * overlap1d(a[2], a[5], b[2], b[5]);
    else if (kindA <= YAW_ONLY && kindB <= YAW_ONLY)
        inter = yaw_only_intersection(a, b);
    else
        inter = polyhedral_intersection(a, b);
    double iou = inter / (a[3] * a[4] * a[5] + b[3] * b[4] * b[5] - inter);
    if (!(iou > 0)) return 0;  // also NaN from overflowing sizes
    return fmin(iou, 1.0);
}

// IoU of two raw 9-number boxes.
__device__ inline double iou3d(const double* a, const double* b) {
    double pa[PREPARED], pb[PREPARED];
    int ka = prepare_box(a, pa), kb = prepare_box(b, pb);
    return iou_prepared(pa, ka, pb, kb);
}

}  // namespace rft3d
