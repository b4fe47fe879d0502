package rft3d.eval;

import java.util.LinkedHashMap;
import java.util.Map;
import rft3d.geometry.Box3D;
import rft3d.geometry.GroundingConvention;
import rft3d.parse.Envelope;
import rft3d.parse.VgllmAnswers;
import rft3d.reward.GroundingTask;
import rft3d.reward.Reward;
import rft3d.reward.RewardConfig;

/**
 * 3D visual grounding metrics as ScanRefer-style evaluators report them: Acc@0.25 and Acc@0.5, the
 * share of samples whose world-space IoU is at least the threshold, plus the mean IoU and frame reward.
 */
public final class GroundingEvaluator {
    private GroundingEvaluator() {}

    /** Metrics of a joined prediction set, read by VG-LLM's rules and convention. */
    public static Map<String, Object> evaluate(PredictionSet set) {
        return evaluate(set, Compat.VGLLM, GroundingConvention.VGLLM);
    }

    /**
     * Metrics of a joined prediction set: each answer's box carried into the world by {@code convention},
     * read by {@code compat}'s rules (VG-LLM's: the first line with "bbox_3d", Python's {@code eval}, a
     * Python int frame, a list of exactly 9 numbers; {@link VgllmAnswers}).
     */
    public static Map<String, Object> evaluate(PredictionSet set, Compat compat, GroundingConvention convention) {
        GroundingTask task = new GroundingTask(RewardConfig.defaults().withGroundingConvention(convention));
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
            double iou, frame;
            boolean formatted;
            if (compat == Compat.VGLLM) {
                VgllmAnswers.Grounding g = VgllmAnswers.grounding(Envelope.of(s.prediction()).answer(), gt.camToWorld().size());
                boolean gtNine = s.gt().get("gt_bbox").size() == 9; // a shorter GT box fails the IoU's assertion
                iou = g == null || !gtNine ? 0
                        : VgllmIou.iou(task.worldBox(gt, g.frame(), Box3D.of(g.box())).toArray(), gt.worldBox().toArray());
                frame = g == null ? 0 : task.frameReward(g.frame(), gt.frame());
                formatted = g != null;
            } else {
                Reward r = task.score(s.prediction(), gt);
                iou = r.part(Reward.IOU);
                frame = r.part(Reward.FRAME);
                formatted = r.part(Reward.FORMAT) == 1;
            }
            n++;
            iouSum += iou;
            frameSum += frame;
            if (iou >= 0.25) at25++;
            if (iou >= 0.5) at50++;
            if (!formatted && iou == 0) unparsable++;
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("task", "grounding");
        report.put("compat", compat.name().toLowerCase(java.util.Locale.ROOT));
        report.put("convention", convention.label());
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
