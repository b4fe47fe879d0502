package rft3d.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import rft3d.geometry.LabeledBox;
import rft3d.reward.DetectionMatcher;
import rft3d.reward.DetectionTask;
import rft3d.reward.RewardConfig;

/**
 * 3D video detection metrics as VG-LLM's evaluator reports them: per class, true positives, false
 * positives and misses summed over the split (greedy matching per sample, IoU strictly above the
 * threshold), precision / recall / F1 from those sums, and their unweighted means over the ScanNet class
 * lists of 8, 20 and 31 classes (a class with no predictions and no GT counts as 0, as there); plus the
 * same metrics with all classes pooled ("overall").
 */
public final class DetectionEvaluator {
    private DetectionEvaluator() {}

    public static final List<Double> THRESHOLDS = List.of(0.25, 0.5);

    public static final List<String> CATE8 = List.of("chair", "cabinet", "table", "bin", "couch", "bed", "bathtub", "toilet");
    public static final List<String> CATE20 = List.of("chair", "pillow", "cabinet", "table", "lamp", "couch", "desk",
            "stand", "bed", "backpack", "bathtub", "ottoman", "dresser", "bin", "toilet", "refrigerator", "stove",
            "microwave", "monitor", "computer");
    /** The benchmark's list verbatim, including its repeated "lamp" and its spelling "towl", so means compare. */
    public static final List<String> CATE31 = List.of("chair", "pillow", "cabinet", "table", "lamp", "couch", "desk",
            "stand", "bed", "backpack", "bathtub", "ottoman", "dresser", "bin", "toilet", "refrigerator", "stove",
            "microwave", "monitor", "computer", "window", "shelf", "curtain", "plant", "stairs", "picture", "book",
            "bottle", "lamp", "towl", "sink");

    /** Metrics of a joined prediction set. */
    public static Map<String, Object> evaluate(PredictionSet set) {
        DetectionTask task = new DetectionTask(RewardConfig.defaults());
        // counts[label][threshold] = {tp, fp, fn}
        Map<String, int[][]> counts = new TreeMap<>();
        int parseFailures = 0;
        for (PredictionSet.Sample s : set.samples()) {
            List<LabeledBox> gts;
            try {
                gts = task.groundTruth(s.gt());
            } catch (IllegalArgumentException e) {
                set.error("gt " + s.id() + ": " + e.getMessage() + " (sample skipped)");
                continue;
            }
            var parsed = DetectionTask.parse(s.prediction());
            if (parsed.format() == 0 && parsed.value().isEmpty() && !s.prediction().isEmpty()) parseFailures++;
            List<LabeledBox> preds = parsed.value();
            double[][] iou = DetectionMatcher.iouMatrix(preds, gts);
            for (int t = 0; t < THRESHOLDS.size(); t++) {
                int[] assignment = DetectionMatcher.greedyAssignment(iou, gts.size(), THRESHOLDS.get(t));
                boolean[] found = new boolean[gts.size()];
                for (int p = 0; p < preds.size(); p++) {
                    int[] c = counter(counts, preds.get(p).label())[t];
                    if (assignment[p] >= 0) {
                        c[0]++;
                        found[assignment[p]] = true;
                    } else {
                        c[1]++;
                    }
                }
                for (int g = 0; g < gts.size(); g++) {
                    if (!found[g]) counter(counts, gts.get(g).label())[t][2]++;
                }
            }
        }
        Map<String, Object> perClass = new LinkedHashMap<>();
        for (var e : counts.entrySet()) perClass.put(e.getKey(), classMetrics(e.getValue()));
        int[][] pooled = new int[THRESHOLDS.size()][3];
        for (int[][] c : counts.values()) {
            for (int t = 0; t < THRESHOLDS.size(); t++) for (int k = 0; k < 3; k++) pooled[t][k] += c[t][k];
        }
        Map<String, Object> splits = new LinkedHashMap<>();
        splits.put("cate8", splitMean(CATE8, counts));
        splits.put("cate20", splitMean(CATE20, counts));
        splits.put("cate31", splitMean(CATE31, counts));
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("task", "detection");
        report.putAll(set.bookkeeping());
        report.put("unparsable_predictions", parseFailures);
        report.put("overall", classMetrics(pooled));
        report.put("splits", splits);
        report.put("per_class", perClass);
        return report;
    }

    private static int[][] counter(Map<String, int[][]> counts, String label) {
        return counts.computeIfAbsent(label, k -> new int[THRESHOLDS.size()][3]);
    }

    private static double[] prf(int[] c) {
        double p = c[0] + c[1] > 0 ? (double) c[0] / (c[0] + c[1]) : 0;
        double r = c[0] + c[2] > 0 ? (double) c[0] / (c[0] + c[2]) : 0;
        double f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
        return new double[] {p, r, f1};
    }

    private static Map<String, Object> classMetrics(int[][] c) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int t = 0; t < THRESHOLDS.size(); t++) {
            double[] v = prf(c[t]);
            String at = "@" + THRESHOLDS.get(t);
            m.put("precision" + at, v[0]);
            m.put("recall" + at, v[1]);
            m.put("f1" + at, v[2]);
        }
        m.put("tp@0.25", c[0][0]);
        m.put("fp@0.25", c[0][1]);
        m.put("fn@0.25", c[0][2]);
        return m;
    }

    private static Map<String, Object> splitMean(List<String> classes, Map<String, int[][]> counts) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int t = 0; t < THRESHOLDS.size(); t++) {
            double[] sum = new double[3];
            for (String label : classes) {
                int[][] c = counts.get(label);
                if (c == null) continue;
                double[] v = prf(c[t]);
                for (int k = 0; k < 3; k++) sum[k] += v[k];
            }
            String at = "@" + THRESHOLDS.get(t);
            m.put("precision" + at, sum[0] / classes.size());
            m.put("recall" + at, sum[1] / classes.size());
            m.put("f1" + at, sum[2] / classes.size());
        }
        return m;
    }
}
