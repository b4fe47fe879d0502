package rft3d.reward;

import java.util.List;

/**
 * VSI-Bench's Mean Relative Accuracy, bit for bit: the share of thresholds θ for which
 * {@code |y − y*| / y* <= 1 − θ}, in float64 (vision-x-nyu/thinking-in-space
 * {@code lmms_eval/tasks/vsibench/utils.py} L87–94; the thresholds are {@link RewardConfig#defaultMraThresholds()}).
 * The division is by y* itself, as there. A ground truth of 0 has no relative error (upstream divides by
 * zero and fails): the answer scores 1 if it is exactly 0, else 0.
 */
public final class Mra {
    private Mra() {}

    /** MRA of prediction {@code y} against ground truth {@code yStar}; 0 for non-finite input. */
    public static double of(double y, double yStar, List<Double> thresholds) {
        if (!Double.isFinite(y) || !Double.isFinite(yStar)) return 0;
        if (yStar == 0) return y == 0 ? 1 : 0;
        double rel = Math.abs(y - yStar) / yStar;
        int hits = 0;
        for (double theta : thresholds) {
            if (rel <= 1 - theta) hits++;
        }
        return (double) hits / thresholds.size();
    }
}
