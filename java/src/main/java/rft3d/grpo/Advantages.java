package rft3d.grpo;

/**
 * Group-relative advantages, the CPU reference: rewards come in consecutive groups of {@code groupSize}
 * completions of the same prompt, and each advantage is {@code (r − mean_group) / (std + eps)}.
 * The standard deviation is the unbiased one (divisor n − 1), as {@code torch.std} in TRL and verl; a
 * group (or batch) of one has standard deviation 0.
 */
public final class Advantages {
    private Advantages() {}

    /**
     * @throws IllegalArgumentException when the rewards do not split into whole groups or hold NaN or
     *     infinities
     */
    public static double[] compute(double[] rewards, int groupSize, AdvantageOptions opt) {
        validate(rewards, groupSize);
        int n = rewards.length;
        double[] out = new double[n];
        boolean batch = opt.scaling() == AdvantageOptions.Scaling.BATCH_STD;
        double batchScale = batch ? powerOfTwoScale(rewards, 0, n) : 0;
        double batchStd = batch ? std(rewards, 0, n, batchScale) : 0;
        for (int start = 0; start < n; start += groupSize) {
            // Sums of huge rewards overflow (1e308 + 1e308), squares of merely large ones too (1e300²):
            // mean and std are taken of the rewards divided by a power of two near their largest magnitude.
            // Dividing by a power of two is exact, so ordinary rewards give the very same doubles as the
            // unscaled formula.
            double s = batch ? batchScale : powerOfTwoScale(rewards, start, groupSize);
            double mean = mean(rewards, start, groupSize, s);
            double scaledDivisor = switch (opt.scaling()) {
                case GROUP_STD -> std(rewards, start, groupSize, s) + opt.eps() / s;
                case BATCH_STD -> batchStd + opt.eps() / s;
                case NONE -> 1 / s;
            };
            for (int i = start; i < start + groupSize; i++) out[i] = (rewards[i] / s - mean) / scaledDivisor;
        }
        checkFinite(out);
        return out;
    }

    /**
     * @throws IllegalArgumentException when an advantage is not finite: only Dr. GRPO's unscaled
     *     {@code r − mean} can overflow, for finite rewards nearly 2^1024 apart
     */
    public static void checkFinite(double[] advantages) {
        for (int i = 0; i < advantages.length; i++) {
            if (!Double.isFinite(advantages[i])) {
                throw new IllegalArgumentException("advantage " + i + " overflows a double (rewards too far apart)");
            }
        }
    }

    /** The power of two at or just below the largest |reward| in the range (1 when all are 0). */
    static double powerOfTwoScale(double[] v, int start, int len) {
        double max = 0;
        for (int i = start; i < start + len; i++) max = Math.max(max, Math.abs(v[i]));
        return max == 0 ? 1 : Math.scalb(1.0, Math.getExponent(max));
    }

    /**
     * @throws IllegalArgumentException when the rewards do not split into whole groups or hold NaN or
     *     infinities
     */
    public static void validate(double[] rewards, int groupSize) {
        checkGroups(rewards.length, groupSize);
        for (int i = 0; i < rewards.length; i++) {
            if (!Double.isFinite(rewards[i])) throw new IllegalArgumentException("rewards[" + i + "] is not finite");
        }
    }

    /**
     * @throws IllegalArgumentException unless {@code n} rewards split into whole groups of {@code groupSize}
     */
    public static void checkGroups(long n, int groupSize) {
        if (groupSize < 1) throw new IllegalArgumentException("groupSize must be >= 1, got " + groupSize);
        if (n % groupSize != 0) throw new IllegalArgumentException(n + " rewards do not split into groups of " + groupSize);
    }

    /** Mean of {@code v[i] / scale}. */
    static double mean(double[] v, int start, int len, double scale) {
        double s = 0;
        for (int i = start; i < start + len; i++) s += v[i] / scale;
        return s / len;
    }

    /** Unbiased standard deviation of {@code v[i] / scale}. */
    static double std(double[] v, int start, int len, double scale) {
        if (len < 2) return 0;
        double m = mean(v, start, len, scale), s = 0;
        for (int i = start; i < start + len; i++) s += (v[i] / scale - m) * (v[i] / scale - m);
        return Math.sqrt(s / (len - 1));
    }
}
