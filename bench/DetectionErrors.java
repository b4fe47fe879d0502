import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import rft3d.eval.DetectionEvaluator;
import rft3d.eval.PredictionSet;
import rft3d.geometry.LabeledBox;
import rft3d.reward.DetectionMatcher;
import rft3d.reward.DetectionTask;
import rft3d.reward.RewardConfig;

/**
 * Where a detection model's F1@0.25 goes: each eval answer matched as the benchmark's evaluator matches
 * (greedy, by label), its misses split by cause, and the F1 a perfect choice of which boxes to leave out
 * would reach (every false positive dropped, nothing else changed): the ceiling of any policy that only
 * decides what to omit. Run from the repository root after a build:
 *
 * <pre>java -cp "target/rft3d.jar:target/lib/*" bench/DetectionErrors.java PRED_DIR DATA_DIR [more PRED_DIRs]</pre>
 */
public class DetectionErrors {
    private static final DetectionTask TASK = new DetectionTask(RewardConfig.defaults());

    public static void main(String[] args) throws Exception {
        if (args.length < 2) throw new IllegalArgumentException("usage: DetectionErrors PRED_DIR DATA_DIR [PRED_DIR...]");
        Path data = Path.of(args[1]);
        System.out.println("| predictions | F1@0.25 | TP | FP near a GT box | FP elsewhere | FN near a prediction | FN with none near"
                + " | scenes under / over | F1, every FP dropped |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (int a = 0; a < args.length; a++) {
            if (a == 1) continue;
            Path dir = Path.of(args[a]);
            PredictionSet set = PredictionSet.read(PredictionSet.predictionFile(dir, "detection"),
                    data.resolve("eval_detection_gt.jsonl"));
            int tp = 0, fpNear = 0, fpFar = 0, fnNear = 0, fnFar = 0, under = 0, over = 0;
            for (PredictionSet.Sample s : set.samples()) {
                List<LabeledBox> gts = TASK.groundTruth(s.gt());
                List<LabeledBox> preds = DetectionTask.parse(s.prediction()).value();
                double[][] iou = DetectionMatcher.iouMatrix(preds, gts);
                int[] match = DetectionMatcher.greedyAssignment(iou, gts.size(), DetectionEvaluator.THRESHOLDS.get(0));
                boolean[] found = new boolean[gts.size()], near = new boolean[gts.size()];
                for (int p = 0; p < preds.size(); p++) {
                    if (match[p] >= 0) {
                        tp++;
                        found[match[p]] = true;
                        continue;
                    }
                    boolean overlaps = false;
                    for (int g = 0; g < gts.size(); g++) if (iou[p][g] > 0) overlaps = true;
                    if (overlaps) fpNear++;
                    else fpFar++;
                }
                for (int p = 0; p < preds.size(); p++) {
                    if (match[p] >= 0) continue;
                    for (int g = 0; g < gts.size(); g++) if (iou[p][g] > 0 && !found[g]) near[g] = true;
                }
                for (int g = 0; g < gts.size(); g++) {
                    if (found[g]) continue;
                    if (near[g]) fnNear++;
                    else fnFar++;
                }
                if (preds.size() < gts.size()) under++;
                if (preds.size() > gts.size()) over++;
            }
            int fp = fpNear + fpFar, fn = fnNear + fnFar;
            System.out.printf(Locale.ROOT, "| %s | %.3f | %d | %d | %d | %d | %d | %d / %d | %.3f |%n", dir, DetectionMatcher.f1(tp, fp, fn),
                    tp, fpNear, fpFar, fnNear, fnFar, under, over, DetectionMatcher.f1(tp, 0, fn));
        }
    }
}
