package rft3d.geometry;

import java.util.Locale;

/**
 * How a grounding answer, a box in frame k's camera coordinates, is carried into world coordinates by
 * that frame's camera-to-world transform E. The reward, {@code ./rft eval} and the data generator all
 * use one convention, so a reference answer scores IoU 1 under it.
 */
public enum GroundingConvention {
    /**
     * VG-LLM's evaluator (LaVi-Lab/VG-LLM {@code src/lmms_eval/tasks/scanrefer/utils.py} L45–50): the
     * answer's angles go through scipy's {@code from_euler("zxy")}, which is extrinsic, so
     * {@code R = Ry·Rx·Rz}; the result {@code E·R} goes back through {@code as_euler("zxy")}, and the IoU
     * then reads those three numbers as intrinsic ZXY ({@code Rz·Rx·Ry}). Not a rigid motion of the box,
     * but the benchmark's numbers.
     */
    VGLLM,
    /** Rigid composition: world rotation {@code E·Rz·Rx·Ry}, what the answered box geometrically is. */
    GEOMETRIC;

    /** The answer's box in world coordinates. */
    public Box3D toWorld(RigidTransform frameToWorld, Box3D box) {
        if (this == GEOMETRIC) return frameToWorld.apply(box);
        double[] c = frameToWorld.applyToPoint(box.x(), box.y(), box.z());
        double[][] m = frameToWorld.rotateMatrix(extrinsicZxy(box.yaw(), box.roll(), box.pitch()));
        double[] e = extrinsicAngles(m);
        return new Box3D(c[0], c[1], c[2], box.sx(), box.sy(), box.sz(), e[0], e[1], e[2]);
    }

    /**
     * The answer in frame coordinates that {@link #toWorld} carries onto {@code world}: what a data
     * generator writes as the reference answer.
     */
    public Box3D fromWorld(RigidTransform frameToWorld, Box3D world) {
        // The same map run backwards: for vgllm, toWorld reads the extrinsic angles of E·R back as intrinsic
        // ones, so the answer's R is Eᵀ·Ry·Rx·Rz of the world angles, which toWorld(E⁻¹, world) computes.
        return toWorld(frameToWorld.inverse(), world);
    }

    /** scipy's {@code from_euler("zxy", [a, b, c])}: {@code Ry(c)·Rx(b)·Rz(a)}, the transpose of intrinsic ZXY of the negated angles. */
    static double[][] extrinsicZxy(double a, double b, double c) {
        return transpose(Rotations.zxyToMatrix(-a, -b, -c));
    }

    /** scipy's {@code as_euler("zxy")}: {@code (a, b, c)} with {@code M = Ry(c)·Rx(b)·Rz(a)}. */
    static double[] extrinsicAngles(double[][] m) {
        double[] e = Rotations.matrixToZxy(transpose(m));
        return new double[] {-e[0], -e[1], -e[2]};
    }

    private static double[][] transpose(double[][] m) {
        double[][] t = new double[3][3];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) t[i][j] = m[j][i];
        return t;
    }

    /** "vgllm" or "geometric". */
    public static GroundingConvention parse(String name) {
        return switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
            case "vgllm" -> VGLLM;
            case "geometric" -> GEOMETRIC;
            default -> throw new IllegalArgumentException("grounding convention must be vgllm or geometric, got '" + name + "'");
        };
    }

    /** The name {@link #parse} reads. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
