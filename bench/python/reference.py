"""Python references for the detection-reward benchmark (bench/gpu.sh), on the data GpuBenchmark wrote.

  loop:  plain Python (math + lists) per pair, the same clipping algorithm as rft3d.geometry.Iou3D, on a
         subset of samples; its time is scaled to the full batch and labelled as such.
  torch: the same algorithm vectorised over all same-label pairs on the GPU (PyTorch), greedy matching
         vectorised over samples; median of 5 timed runs after a warm-up.
Both are checked against the GPU kernel's results stored in the file. Usage:
  python3 reference.py FILE.bin [--loop-samples N]
"""
import argparse, json, math, statistics, sys, time

import numpy as np

FACES = [[4, 6, 7, 5], [0, 1, 3, 2], [2, 3, 7, 6], [0, 4, 5, 1], [1, 5, 7, 3], [0, 2, 6, 4]]
PLANE_EPS = 1e-10
THRESHOLD = 0.25


def load(path):
    raw = open(path, "rb").read()
    b, p, g = np.frombuffer(raw, "<i4", 3, 0)
    off = 12
    def take(dtype, shape):
        nonlocal off
        n = int(np.prod(shape))
        a = np.frombuffer(raw, dtype, n, off).reshape(shape)
        off += n * np.dtype(dtype).itemsize
        return a
    data = dict(pred=take("<f8", (b, p, 9)), pred_label=take("<i4", (b, p)),
                gt=take("<f8", (b, g, 9)), gt_label=take("<i4", (b, g)))
    data["gpu_mean_iou"] = take("<f8", (b,))
    data["gpu_tp"] = take("<i4", (b,))
    return data


# ---- plain Python loop ----------------------------------------------------------------------------

def rot(yaw, roll, pitch):
    ca, sa, cb, sb, cc, sc = math.cos(yaw), math.sin(yaw), math.cos(roll), math.sin(roll), math.cos(pitch), math.sin(pitch)
    return [[ca * cc - sa * sb * sc, -sa * cb, ca * sc + sa * sb * cc],
            [sa * cc + ca * sb * sc, ca * cb, sa * sc - ca * sb * cc],
            [-cb * sc, sb, cb * cc]]


def solid(b, o):
    r = rot(b[6], b[7], b[8])
    c = [b[0] - o[0], b[1] - o[1], b[2] - o[2]]
    corners = []
    for i in range(8):
        l = [(0.5 if i & 4 else -0.5) * b[3], (0.5 if i & 2 else -0.5) * b[4], (0.5 if i & 1 else -0.5) * b[5]]
        corners.append([c[k] + r[k][0] * l[0] + r[k][1] * l[1] + r[k][2] * l[2] for k in range(3)])
    planes = []
    for k in range(3):
        n = [r[0][k], r[1][k], r[2][k]]
        dc = n[0] * c[0] + n[1] * c[1] + n[2] * c[2]
        planes.append((n[0], n[1], n[2], dc + b[3 + k] / 2))
        planes.append((-n[0], -n[1], -n[2], -dc + b[3 + k] / 2))
    return corners, planes


def snap(d, tol):
    return 0.0 if abs(d) <= tol else d


def face_volume6(corners, face, planes, tol):
    poly = [corners[i] for i in face]
    for (nx, ny, nz, d) in planes:
        out = []
        n = len(poly)
        for i in range(n):
            p, q = poly[i], poly[(i + 1) % n]
            dp = snap(nx * p[0] + ny * p[1] + nz * p[2] - d, tol)
            dq = snap(nx * q[0] + ny * q[1] + nz * q[2] - d, tol)
            if dp <= 0:
                out.append(p)
            if (dp < 0 < dq) or (dq < 0 < dp):
                t = dp / (dp - dq)
                out.append([p[k] + (q[k] - p[k]) * t for k in range(3)])
        poly = out
        if len(poly) < 3:
            return 0.0
    v, p0 = 0.0, poly[0]
    for i in range(1, len(poly) - 1):
        p1, p2 = poly[i], poly[i + 1]
        v += (p0[0] * (p1[1] * p2[2] - p1[2] * p2[1]) - p0[1] * (p1[0] * p2[2] - p1[2] * p2[0])
              + p0[2] * (p1[0] * p2[1] - p1[1] * p2[0]))
    return v


def iou_loop(a, b):
    ra = 0.5 * math.sqrt(a[3] ** 2 + a[4] ** 2 + a[5] ** 2)
    rb = 0.5 * math.sqrt(b[3] ** 2 + b[4] ** 2 + b[5] ** 2)
    if (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2 > (ra + rb) ** 2:
        return 0.0
    ca, pa = solid(a, a)
    cb, pb = solid(b, a)
    scale = max(max(a[3:6]), max(b[3:6]), abs(b[0] - a[0]), abs(b[1] - a[1]), abs(b[2] - a[2]))
    tol = PLANE_EPS * scale
    v6 = sum(face_volume6(ca, FACES[f], pb, tol) for f in range(6))
    for f in range(6):
        fp = pb[f]
        on = any(fp[0] * q[0] + fp[1] * q[1] + fp[2] * q[2] > 0 and
                 all(abs(q[0] * cb[i][0] + q[1] * cb[i][1] + q[2] * cb[i][2] - q[3]) <= tol for i in FACES[f])
                 for q in pa)
        if not on:
            v6 += face_volume6(cb, FACES[f], pa, tol)
    inter = max(0.0, v6 / 6)
    union = a[3] * a[4] * a[5] + b[3] * b[4] * b[5] - inter
    return min(1.0, inter / union) if inter > 0 else 0.0


def reward_loop(pred, pl, gt, gl):
    P, G = len(pred), len(gt)
    iou = [[iou_loop(pred[i], gt[j]) if pl[i] == gl[j] else 0.0 for j in range(G)] for i in range(P)]
    mean_best = sum(max(row) if row else 0.0 for row in iou) / P
    used, tp = [False] * G, 0
    for row in iou:
        best, arg = 0.0, -1
        for j in range(G):
            if not used[j] and row[j] > best:
                best, arg = row[j], j
        if arg >= 0 and best > THRESHOLD:
            used[arg] = True
            tp += 1
    return mean_best, tp


# ---- torch, vectorised ----------------------------------------------------------------------------

def torch_rewards(data, device):
    import torch
    f64 = torch.float64
    pred = torch.tensor(data["pred"], dtype=f64, device=device)
    gt = torch.tensor(data["gt"], dtype=f64, device=device)
    pl = torch.tensor(data["pred_label"], device=device)
    gl = torch.tensor(data["gt_label"], device=device)
    B, P, G = pred.shape[0], pred.shape[1], gt.shape[1]
    faces = torch.tensor(FACES, device=device)
    signs = torch.tensor([[(1 if i & 4 else -1), (1 if i & 2 else -1), (1 if i & 1 else -1)] for i in range(8)], dtype=f64, device=device) * 0.5

    def rotation(a):
        ca, sa, cb, sb, cc, sc = a[:, 6].cos(), a[:, 6].sin(), a[:, 7].cos(), a[:, 7].sin(), a[:, 8].cos(), a[:, 8].sin()
        return torch.stack([torch.stack([ca * cc - sa * sb * sc, -sa * cb, ca * sc + sa * sb * cc], -1),
                            torch.stack([sa * cc + ca * sb * sc, ca * cb, sa * sc - ca * sb * cc], -1),
                            torch.stack([-cb * sc, sb, cb * cc], -1)], -2)

    def solid(b, o):
        r = rotation(b)
        c = b[:, :3] - o[:, :3]
        corners = c[:, None, :] + torch.einsum("nij,nkj->nki", r, signs[None] * b[:, None, 3:6])
        normals = r.transpose(1, 2)  # row k = axis k
        dc = (normals * c[:, None, :]).sum(-1)
        half = b[:, 3:6] / 2
        n6 = torch.stack([normals[:, 0], -normals[:, 0], normals[:, 1], -normals[:, 1], normals[:, 2], -normals[:, 2]], 1)
        d6 = torch.stack([dc[:, 0] + half[:, 0], -dc[:, 0] + half[:, 0], dc[:, 1] + half[:, 1], -dc[:, 1] + half[:, 1],
                          dc[:, 2] + half[:, 2], -dc[:, 2] + half[:, 2]], 1)
        return corners, torch.cat([n6, d6[..., None]], -1)

    def clipped_volume6(corners, planes, tol, skip=None):
        N = corners.shape[0]
        V = 10
        poly = torch.zeros(N, 6, V, 3, dtype=f64, device=device)
        poly[:, :, :4] = corners[:, faces]
        count = torch.full((N, 6), 4, device=device)
        if skip is not None:
            count = torch.where(skip, torch.zeros_like(count), count)
        idx = torch.arange(V, device=device)
        for h in range(6):
            pl = planes[:, h]
            d = (poly * pl[:, None, None, :3]).sum(-1) - pl[:, None, None, 3]
            d = torch.where(d.abs() <= tol[:, None, None], torch.zeros_like(d), d)
            valid = idx[None, None] < count[..., None]
            nxt = torch.where(idx[None, None] + 1 < count[..., None], idx[None, None] + 1, torch.zeros_like(count[..., None]))
            q = torch.gather(poly, 2, nxt[..., None].expand(-1, -1, -1, 3))
            dq = torch.gather(d, 2, nxt)
            keep = (d <= 0) & valid
            cross = (((d < 0) & (dq > 0)) | ((d > 0) & (dq < 0))) & valid
            t = torch.where(cross, d / (d - dq), torch.zeros_like(d))
            inter = poly + (q - poly) * t[..., None]
            cand = torch.stack([poly, inter], 3).reshape(N, 6, 2 * V, 3)
            mask = torch.stack([keep, cross], 3).reshape(N, 6, 2 * V)
            order = torch.sort((~mask).to(torch.int8), dim=-1, stable=True).indices[..., :V]
            poly = torch.gather(cand, 2, order[..., None].expand(-1, -1, -1, 3))
            count = mask.sum(-1).clamp(max=V)
            count = torch.where(count < 3, torch.zeros_like(count), count)
        p0 = poly[:, :, :1]
        p1, p2 = poly[:, :, 1:-1], poly[:, :, 2:]
        det = (p0 * torch.cross(p1, p2, dim=-1)).sum(-1)
        tri = (idx[None, None, 1:-1] + 1) < count[..., None]
        return (det * tri).sum((-1, -2))

    def iou(a, b):
        ra = 0.5 * a[:, 3:6].norm(dim=-1)
        rb = 0.5 * b[:, 3:6].norm(dim=-1)
        near = ((a[:, :3] - b[:, :3]) ** 2).sum(-1) <= (ra + rb) ** 2
        out = torch.zeros(a.shape[0], dtype=f64, device=device)
        a, b = a[near], b[near]
        ca, pa = solid(a, a)
        cb, pb = solid(b, a)
        scale = torch.maximum(torch.maximum(a[:, 3:6].amax(-1), b[:, 3:6].amax(-1)), (b[:, :3] - a[:, :3]).abs().amax(-1))
        tol = PLANE_EPS * scale
        fb = cb[:, faces]  # [N,6,4,3]
        dist = (fb[:, :, None, :, :] * pa[:, None, :, None, :3]).sum(-1) - pa[:, None, :, None, 3]  # [N,6 faces,6 planes,4]
        same_dir = (pb[:, :, None, :3] * pa[:, None, :, :3]).sum(-1) > 0
        skip = (same_dir & (dist.abs() <= tol[:, None, None, None]).all(-1)).any(-1)
        v6 = clipped_volume6(ca, pb, tol) + clipped_volume6(cb, pa, tol, skip)
        inter = (v6 / 6).clamp(min=0)
        union = a[:, 3:6].prod(-1) + b[:, 3:6].prod(-1) - inter
        out[near] = torch.where(inter > 0, (inter / union).clamp(max=1), torch.zeros_like(inter))
        return out

    def run():
        same = pl[:, :, None] == gl[:, None, :]
        bi, pi, gi = same.nonzero(as_tuple=True)
        m = torch.zeros(B, P, G, dtype=f64, device=device)
        m[bi, pi, gi] = iou(pred[bi, pi], gt[bi, gi])
        mean_best = m.amax(-1).mean(-1)
        used = torch.zeros(B, G, dtype=torch.bool, device=device)
        tp = torch.zeros(B, dtype=torch.int32, device=device)
        rows = torch.arange(B, device=device)
        for p in range(P):
            row = m[:, p].masked_fill(used, 0)
            best, arg = row.max(-1)
            hit = best > THRESHOLD
            used[rows[hit], arg[hit]] = True
            tp += hit.int()
        f1 = 2 * tp / (2 * tp + (P - tp) + (G - tp))
        reward = 1 + mean_best + f1
        return mean_best, tp, reward

    run()
    torch.cuda.synchronize()
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        mean_best, tp, _ = run()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), mean_best.cpu().numpy(), tp.cpu().numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--loop-samples", type=int, default=8)
    args = ap.parse_args()
    data = load(args.file)
    B = data["pred"].shape[0]
    result = {"file": args.file, "samples": int(B)}

    n = min(args.loop_samples, B)
    t0 = time.perf_counter()
    loop = [reward_loop(data["pred"][s].tolist(), data["pred_label"][s].tolist(), data["gt"][s].tolist(), data["gt_label"][s].tolist())
            for s in range(n)]
    loop_ms = (time.perf_counter() - t0) * 1e3
    result["loop_samples"] = n
    result["loop_ms_measured"] = loop_ms
    result["loop_ms_full_batch_estimate"] = loop_ms * B / n
    result["loop_max_abs_diff_mean_iou_vs_gpu"] = float(max(abs(l[0] - data["gpu_mean_iou"][s]) for s, l in enumerate(loop)))
    result["loop_tp_mismatches_vs_gpu"] = int(sum(l[1] != data["gpu_tp"][s] for s, l in enumerate(loop)))

    try:
        import torch
        if torch.cuda.is_available():
            ms, mean_best, tp = torch_rewards(data, "cuda")
            result["torch_ms"] = ms
            result["torch_max_abs_diff_mean_iou_vs_gpu"] = float(np.abs(mean_best - data["gpu_mean_iou"]).max())
            result["torch_tp_mismatches_vs_gpu"] = int((tp != data["gpu_tp"]).sum())
    except ImportError:
        result["torch"] = "not installed"
    print(json.dumps(result))


if __name__ == "__main__":
    main()
