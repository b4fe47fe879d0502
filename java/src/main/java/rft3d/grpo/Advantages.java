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
        double batchStd = opt.scaling() == AdvantageOptions.Scaling.BATCH_STD ? std(rewards, 0, n) : 0;
        for (int start = 0; start < n; start += groupSize) {
            double mean = mean(rewards, start, groupSize);
            double scale = switch (opt.scaling()) {
                case GROUP_STD -> std(rewards, start, groupSize) + opt.eps();
                case BATCH_STD -> batchStd + opt.eps();
                case NONE -> 1;
            };
            for (int i = start; i < start + groupSize; i++) out[i] = (rewards[i] - mean) / scale;
        }
        return out;
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

    static double mean(double[] v, int start, int len) {
        double s = 0;
        for (int i = start; i < start + len; i++) s += v[i];
        return s / len;
    }

    static double std(double[] v, int start, int len) {
        if (len < 2) return 0;
        double m = mean(v, start, len), s = 0;
        for (int i = start; i < start + len; i++) s += (v[i] - m) * (v[i] - m);
        return Math.sqrt(s / (len - 1));
    }
}
