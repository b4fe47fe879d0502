package rft3d.eval;

import java.util.LinkedHashMap;
import java.util.Map;
import rft3d.reward.GroundingTask;
import rft3d.reward.Reward;
import rft3d.reward.RewardConfig;

/**
 * 3D visual grounding metrics as ScanRefer-style evaluators report them: Acc@0.25 and Acc@0.5, the
 * share of samples whose world-space IoU is at least the threshold, plus the mean IoU and frame reward.
 */
public final class GroundingEvaluator {
    private GroundingEvaluator() {}

    /** Metrics of a joined prediction set. */
    public static Map<String, Object> evaluate(PredictionSet set) {
        GroundingTask task = new GroundingTask(RewardConfig.defaults());
        int n = 0, at25 = 0, at50 = 0, unparsable = 0;
        double iouSum = 0, frameSum = 0;
        for (PredictionSet.Sample s : set.samples()) {
            GroundingTask.Truth gt;
            try {
                gt = task.groundTruth(s.gt());
            } catch (IllegalArgumentException e) {
                set.error("gt " + s.id() + ": " + e.getMessage() + " (sample skipped)");
                continue;
            }
            Reward r = task.score(s.prediction(), gt);
            double iou = r.part(Reward.IOU);
            n++;
            iouSum += iou;
            frameSum += r.part(Reward.FRAME);
            if (iou >= 0.25) at25++;
            if (iou >= 0.5) at50++;
            if (r.part(Reward.FORMAT) == 0 && iou == 0) unparsable++;
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("task", "grounding");
        report.putAll(set.bookkeeping());
        report.put("scored", n);
        report.put("acc@0.25", n == 0 ? 0.0 : (double) at25 / n);
        report.put("acc@0.5", n == 0 ? 0.0 : (double) at50 / n);
        report.put("mean_iou", n == 0 ? 0.0 : iouSum / n);
        report.put("mean_frame_reward", n == 0 ? 0.0 : frameSum / n);
        report.put("zero_iou_unformatted", unparsable);
        return report;
    }
}
