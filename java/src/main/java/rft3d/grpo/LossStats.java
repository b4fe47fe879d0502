package rft3d.grpo;

/**
 * Per-token statistics of the clipped GRPO objective over a {@code [B, T]} batch, masked to completion
 * tokens — what a trainer logs each step. The CPU reference for the GPU kernel {@code loss_stats}.
 *
 * <p>With ratio {@code r = exp(logp − logp_old)} and sequence advantage A: a token is clipped when
 * {@code A > 0 ∧ r > 1 + ε_high} or {@code A < 0 ∧ r < 1 − ε_low}; the policy loss is
 * {@code −min(r·A, clip(r, 1 − ε_low, 1 + ε_high)·A)} averaged over all tokens of the batch (token-level
 * aggregation); KL to the reference uses the k3 estimator {@code exp(d) − d − 1}, {@code d = logp_ref − logp},
 * bounded as verl bounds it ({@link #k3}). The trainer's tensor loss ({@code train.PolicyLoss}) and the
 * {@code loss_stats} kernel compute the same per-token terms; tests tie all three.
 *
 * @param tokens masked-in tokens
 * @param clipFraction share of tokens whose ratio was clipped
 * @param klMean mean k3 KL
 * @param policyLoss mean clipped surrogate loss
 * @param ratioMean mean probability ratio
 */
public record LossStats(long tokens, double clipFraction, double klMean, double policyLoss, double ratioMean) {

    /** The log-ratio d is clamped to ±this before exp (verl's k3 "low_var_kl": exp(20) is still finite in float32). */
    public static final double K3_LOG_RATIO_BOUND = 20;
    /** The k3 estimate is clamped to at most this (verl), so one far-off token cannot dominate a batch. */
    public static final double K3_BOUND = 10;

    /** The bounded k3 estimator of KL(π ‖ π_ref) at one token, {@code d = logp_ref − logp}. */
    public static double k3(double d) {
        double c = Math.min(Math.max(d, -K3_LOG_RATIO_BOUND), K3_LOG_RATIO_BOUND);
        return Math.min(Math.exp(c) - c - 1, K3_BOUND);
    }

    /** Stats from the five sums the kernel accumulates: tokens, clipped, KL, loss, ratio. */
    public static LossStats fromSums(double[] sums) {
        double n = sums[0];
        if (n == 0) return new LossStats(0, 0, 0, 0, 0);
        return new LossStats((long) n, sums[1] / n, sums[2] / n, sums[3] / n, sums[4] / n);
    }

    /** The statistics of several batches together: their means weighted by their token counts. */
    public static LossStats merge(java.util.List<LossStats> parts) {
        double[] sums = new double[5];
        for (LossStats s : parts) {
            sums[0] += s.tokens;
            sums[1] += s.clipFraction * s.tokens;
            sums[2] += s.klMean * s.tokens;
            sums[3] += s.policyLoss * s.tokens;
            sums[4] += s.ratioMean * s.tokens;
        }
        return fromSums(sums);
    }

    /**
     * @throws IllegalArgumentException unless the log-probs and mask have {@code B·T} entries and the
     *     advantages B
     */
    public static void checkShapes(float[] logp, float[] logpOld, float[] logpRef, float[] mask, double[] advantages, int B, int T) {
        long n = (long) B * T;
        if (logp.length != n || logpOld.length != n || logpRef.length != n || mask.length != n || advantages.length != B) {
            throw new IllegalArgumentException("loss stats need [B*T] = " + n + " log-probs and mask and " + B + " advantages");
        }
    }

    /**
     * Computes the statistics; arrays are row-major {@code [B, T]}, {@code advantages} has B entries, a
     * token counts where {@code mask != 0}.
     *
     * @throws IllegalArgumentException when array lengths do not match {@code B·T} and B
     */
    public static LossStats compute(float[] logp, float[] logpOld, float[] logpRef, float[] mask, double[] advantages,
                                    int B, int T, double clipLow, double clipHigh) {
        checkShapes(logp, logpOld, logpRef, mask, advantages, B, T);
        long n = (long) B * T;
        double[] sums = new double[5];
        for (int i = 0; i < n; i++) {
            if (mask[i] == 0) continue;
            double a = advantages[i / T];
            double ratio = Math.exp((double) logp[i] - (double) logpOld[i]);
            double clipped = Math.min(Math.max(ratio, 1 - clipLow), 1 + clipHigh);
            sums[0] += 1;
            if ((a > 0 && ratio > 1 + clipHigh) || (a < 0 && ratio < 1 - clipLow)) sums[1] += 1;
            sums[2] += k3((double) logpRef[i] - (double) logp[i]);
            sums[3] += -Math.min(ratio * a, clipped * a);
            sums[4] += ratio;
        }
        return fromSums(sums);
    }
}
