package rft3d.reward;

import java.util.Arrays;
import java.util.List;
import rft3d.geometry.Iou3D;
import rft3d.geometry.LabeledBox;

/**
 * Pairs predicted boxes with ground-truth boxes of the same label and counts true positives — the
 * CPU reference that the GPU kernels are checked against.
 */
public final class DetectionMatcher {
    private DetectionMatcher() {}

    /**
     * Matching results of one sample.
     *
     * @param meanBestIou mean over predictions of the best IoU with a same-label GT box (see
     *     {@link #of} for the empty cases)
     * @param f1 F1 averaged over the configured thresholds
     * @param tp true positives at the first threshold
     * @param fp false positives at the first threshold
     * @param fn missed GT boxes at the first threshold
     */
    public record Stats(double meanBestIou, double f1, int tp, int fp, int fn) {}

    /**
     * The IoU matrix {@code [prediction][gt]}, 0 where the labels differ. A zero entry can never be
     * matched (a match needs IoU strictly above the best so far, which starts at 0), so this encoding is
     * exactly "same label only".
     */
    public static double[][] iouMatrix(List<LabeledBox> preds, List<LabeledBox> gts) {
        double[][] iou = new double[preds.size()][gts.size()];
        for (int p = 0; p < preds.size(); p++) {
            Cancellation.check();
            for (int g = 0; g < gts.size(); g++) {
                if (preds.get(p).label().equals(gts.get(g).label())) {
                    iou[p][g] = Iou3D.iou(preds.get(p).box(), gts.get(g).box());
                }
            }
        }
        return iou;
    }

    /**
     * Matches one sample. With no predictions and no GT boxes the answer is perfect (mean IoU 1,
     * F1 1); with predictions but no GT, or GT but no predictions, both are 0.
     */
    public static Stats of(List<LabeledBox> preds, List<LabeledBox> gts, RewardConfig cfg) {
        return fromIou(iouMatrix(preds, gts), gts.size(), cfg);
    }

    /** Matching from a precomputed IoU matrix (rows: predictions; {@code numGt} columns). */
    public static Stats fromIou(double[][] iou, int numGt, RewardConfig cfg) {
        int numPred = iou.length;
        if (numPred == 0 && numGt == 0) return new Stats(1, 1, 0, 0, 0);
        double bestSum = 0;
        for (double[] row : iou) {
            double best = 0;
            for (double v : row) best = Math.max(best, v);
            bestSum += best;
        }
        double meanBest = numPred == 0 ? 0 : bestSum / numPred;
        double f1Sum = 0;
        int tp0 = 0;
        List<Double> thresholds = cfg.f1Thresholds();
        for (int t = 0; t < thresholds.size(); t++) {
            int tp = cfg.matching() == RewardConfig.Matching.GREEDY
                    ? greedyTruePositives(iou, numGt, thresholds.get(t))
                    : optimalTruePositives(iou, numGt, thresholds.get(t));
            if (t == 0) tp0 = tp;
            f1Sum += f1(tp, numPred - tp, numGt - tp);
        }
        return new Stats(meanBest, f1Sum / thresholds.size(), tp0, numPred - tp0, numGt - tp0);
    }

    /** {@code 2TP / (2TP + FP + FN)}; 1 when there is nothing to find and nothing was predicted. */
    public static double f1(int tp, int fp, int fn) {
        int denom = 2 * tp + fp + fn;
        return denom == 0 ? 1 : 2.0 * tp / denom;
    }

    static int greedyTruePositives(double[][] iou, int numGt, double threshold) {
        int tp = 0;
        for (int g : greedyAssignment(iou, numGt, threshold)) if (g >= 0) tp++;
        return tp;
    }

    /** Most pairs above the threshold, ties broken by total IoU: a maximum-weight assignment. */
    static int optimalTruePositives(double[][] iou, int numGt, double threshold) {
        int numPred = iou.length;
        if (numPred == 0 || numGt == 0) return 0;
        // Weight (n + 1) + IoU for a pair above the threshold: one more pair always outweighs any IoU gain.
        double big = Math.max(numPred, numGt) + 1;
        double[][] cost = new double[numPred][numGt];
        for (int p = 0; p < numPred; p++) {
            for (int g = 0; g < numGt; g++) {
                cost[p][g] = iou[p][g] > threshold ? -(big + iou[p][g]) : 0;
            }
        }
        int[] assignment = Hungarian.minCostAssignment(cost);
        int tp = 0;
        for (int p = 0; p < numPred; p++) {
            if (assignment[p] >= 0 && iou[p][assignment[p]] > threshold) tp++;
        }
        return tp;
    }

    /**
     * The benchmark's greedy rule, as {@code [prediction] → gt index or −1}: in output order, each
     * prediction takes the unused GT box of highest IoU (first index on ties); it is a true positive when
     * that IoU is strictly above the threshold, and only then is the GT box used up.
     */
    public static int[] greedyAssignment(double[][] iou, int numGt, double threshold) {
        boolean[] used = new boolean[numGt];
        int[] out = new int[iou.length];
        Arrays.fill(out, -1);
        for (int p = 0; p < iou.length; p++) {
            int best = -1;
            double bestIou = 0;
            for (int g = 0; g < numGt; g++) {
                if (!used[g] && iou[p][g] > bestIou) {
                    bestIou = iou[p][g];
                    best = g;
                }
            }
            if (best >= 0 && bestIou > threshold) {
                used[best] = true;
                out[p] = best;
            }
        }
        return out;
    }
}
