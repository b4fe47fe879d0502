package rft3d.eval;

/**
 * The mean of one figure over independent runs (seeds) with its two-sided 95% Student-t interval,
 * {@code mean ± t(0.975, n−1) · s / √n}: the interval that covers run-to-run noise, which a bootstrap over
 * one run's eval samples does not.
 */
public record SeedMean(double mean, double halfWidth, int runs) {
    /** t(0.975, df) for df = 1..30. */
    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
            2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
            2.056, 2.052, 2.048, 2.045, 2.042};

    /**
     * @throws IllegalArgumentException for fewer than two values (one run has no run-to-run spread) or a non-finite one
     */
    public static SeedMean of(double... values) {
        if (values.length < 2) throw new IllegalArgumentException("a seed interval needs at least 2 runs, got " + values.length);
        double mean = 0;
        for (double v : values) {
            if (!Double.isFinite(v)) throw new IllegalArgumentException("non-finite value " + v);
            mean += v / values.length;
        }
        double ss = 0;
        for (double v : values) ss += (v - mean) * (v - mean);
        double sd = Math.sqrt(ss / (values.length - 1));
        return new SeedMean(mean, t975(values.length - 1) * sd / Math.sqrt(values.length), values.length);
    }

    /**
     * The 97.5th percentile of Student's t: tabulated to 30 degrees of freedom, then the Cornish–Fisher
     * expansion {@code z + (z³ + z)/(4·df) + (5z⁵ + 16z³ + 3z)/(96·df²)} (within 1e-4 there).
     */
    static double t975(int df) {
        if (df < 1) throw new IllegalArgumentException("df must be >= 1");
        if (df <= T975.length) return T975[df - 1];
        double z = 1.959964, z3 = z * z * z, z5 = z3 * z * z;
        return z + (z3 + z) / (4.0 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96.0 * df * df);
    }

    /** Whether the interval leaves out zero. */
    public boolean excludesZero() {
        return mean - halfWidth > 0 || mean + halfWidth < 0;
    }
}
