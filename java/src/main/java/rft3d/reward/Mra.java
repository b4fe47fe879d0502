package rft3d.reward;

import java.util.List;

/**
 * VSI-Bench's Mean Relative Accuracy: the share of thresholds θ for which the relative error
 * {@code |y − y*| / |y*|} is below {@code 1 − θ}. The comparison is strict, as in the paper's formula.
 * A ground truth of 0 has no relative error: the answer scores 1 if it is exactly 0, else 0.
 */
public final class Mra {
    private Mra() {}

    /** MRA of prediction {@code y} against ground truth {@code yStar}; 0 for non-finite input. */
    public static double of(double y, double yStar, List<Double> thresholds) {
        if (!Double.isFinite(y) || !Double.isFinite(yStar)) return 0;
        if (yStar == 0) return y == 0 ? 1 : 0;
        double rel = Math.abs(y - yStar) / Math.abs(yStar);
        int hits = 0;
        for (double theta : thresholds) {
            if (rel < 1 - theta) hits++;
        }
        return (double) hits / thresholds.size();
    }
}
