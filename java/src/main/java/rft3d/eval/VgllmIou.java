package rft3d.eval;

import rft3d.geometry.Box3D;
import rft3d.geometry.Iou3D;

/** The IoU as VG-LLM's evaluator sees boxes (LaVi-Lab/VG-LLM {@code src/lmms_eval/tasks/threedod/utils.py}). */
final class VgllmIou {
    private VgllmIou() {}

    /**
     * {@code EulerDepthInstance3DBoxes.overlaps} for one pair, its error paths included: any error is IoU 0
     * — a box without exactly 9 numbers (the constructor's assertion), a non-finite number, or a face under
     * 2e-4 m² (pytorch3d's {@code box3d_overlap} raises "Planes have zero areas" when a half face is under
     * its eps 1e-4). Negative sizes act as their absolute value (the corners just swap). The IoU itself is
     * rft3d's exact one on the float64 numbers: pytorch3d's float32 arithmetic (off by up to 0.1 on
     * near-duplicates) is not reproduced.
     */
    static double iou(double[] a, double[] b) {
        Box3D ba = box(a), bb = box(b);
        return ba == null || bb == null ? 0 : Iou3D.iou(ba, bb);
    }

    private static Box3D box(double[] v) {
        if (v == null || v.length != 9) return null;
        for (double x : v) {
            if (!Double.isFinite(x)) return null;
        }
        double sx = Math.abs(v[3]), sy = Math.abs(v[4]), sz = Math.abs(v[5]);
        if (sx * sy / 2 < 1e-4 || sy * sz / 2 < 1e-4 || sx * sz / 2 < 1e-4) return null;
        return new Box3D(v[0], v[1], v[2], sx, sy, sz, v[6], v[7], v[8]);
    }
}
