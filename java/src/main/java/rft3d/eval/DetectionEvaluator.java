package rft3d.eval;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import rft3d.geometry.LabeledBox;
import rft3d.parse.Envelope;
import rft3d.parse.VgllmAnswers;
import rft3d.reward.DetectionMatcher;
import rft3d.reward.DetectionTask;
import rft3d.reward.RewardConfig;

/**
 * 3D video detection metrics as VG-LLM's evaluator reports them: per class, true positives, false
 * positives and misses summed over the split (greedy matching per sample, IoU strictly above the
 * threshold), precision / recall / F1 from those sums, and their unweighted means over the ScanNet class
 * lists of 8, 20 and 31 classes (a class with no predictions and no GT counts as 0, as there); plus the
 * same metrics with all classes pooled ("overall"). Predictions and boxes are read by {@link Compat}'s
 * rules: VG-LLM's by default.
 */
public final class DetectionEvaluator {
    private DetectionEvaluator() {}

    public static final List<Double> THRESHOLDS = List.of(0.25, 0.5);
    private static final DetectionTask TASK = new DetectionTask(RewardConfig.defaults());

    public static final List<String> CATE8 = List.of("chair", "cabinet", "table", "bin", "couch", "bed", "bathtub", "toilet");
    public static final List<String> CATE20 = List.of("chair", "pillow", "cabinet", "table", "lamp", "couch", "desk",
            "stand", "bed", "backpack", "bathtub", "ottoman", "dresser", "bin", "toilet", "refrigerator", "stove",
            "microwave", "monitor", "computer");
    /** The benchmark's list verbatim, including its repeated "lamp" and its spelling "towl", so means compare. */
    public static final List<String> CATE31 = List.of("chair", "pillow", "cabinet", "table", "lamp", "couch", "desk",
            "stand", "bed", "backpack", "bathtub", "ottoman", "dresser", "bin", "toilet", "refrigerator", "stove",
            "microwave", "monitor", "computer", "window", "shelf", "curtain", "plant", "stairs", "picture", "book",
            "bottle", "lamp", "towl", "sink");

    /** One sample as read by the chosen rules: labels and the prediction × GT IoU matrix (0 across labels). */
    private record Read(List<String> predLabels, List<String> gtLabels, double[][] iou, boolean unparsable) {}

    /** Metrics of a joined prediction set, read by VG-LLM's rules. */
    public static Map<String, Object> evaluate(PredictionSet set) {
        return evaluate(set, Compat.VGLLM);
    }

    /** Metrics of a joined prediction set, read by the given rules. */
    public static Map<String, Object> evaluate(PredictionSet set, Compat compat) {
        // counts[label][threshold] = {tp, fp, fn}
        Map<String, int[][]> counts = new TreeMap<>();
        int parseFailures = 0;
        int[] droppedLines = new int[1];
        for (PredictionSet.Sample s : set.samples()) {
            Read r;
            try {
                r = compat == Compat.VGLLM ? readVgllm(s, droppedLines) : readTolerant(s);
            } catch (IllegalArgumentException e) {
                set.error("gt " + s.id() + ": " + e.getMessage() + " (sample skipped)");
                continue;
            }
            if (r.unparsable()) parseFailures++;
            for (int t = 0; t < THRESHOLDS.size(); t++) {
                int[] assignment = DetectionMatcher.greedyAssignment(r.iou(), r.gtLabels().size(), THRESHOLDS.get(t));
                boolean[] found = new boolean[r.gtLabels().size()];
                for (int p = 0; p < r.predLabels().size(); p++) {
                    int[] c = counter(counts, r.predLabels().get(p))[t];
                    if (assignment[p] >= 0) {
                        c[0]++;
                        found[assignment[p]] = true;
                    } else {
                        c[1]++;
                    }
                }
                for (int g = 0; g < found.length; g++) {
                    if (!found[g]) counter(counts, r.gtLabels().get(g))[t][2]++;
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
        report.put("compat", compat.name().toLowerCase(java.util.Locale.ROOT));
        report.put("unparsable_predictions", parseFailures);
        if (compat == Compat.VGLLM) report.put("dropped_prediction_lines", droppedLines[0]);
        report.put("overall", classMetrics(pooled));
        report.put("splits", splits);
        report.put("per_class", perClass);
        return report;
    }

    private static Read readTolerant(PredictionSet.Sample s) {
        List<LabeledBox> gts = TASK.groundTruth(s.gt());
        var parsed = DetectionTask.parse(s.prediction());
        List<LabeledBox> preds = parsed.value();
        boolean unparsable = parsed.format() == 0 && preds.isEmpty() && !s.prediction().isEmpty();
        return new Read(preds.stream().map(LabeledBox::label).toList(), gts.stream().map(LabeledBox::label).toList(),
                DetectionMatcher.iouMatrix(preds, gts), unparsable);
    }

    /** GT as threedod_process_results builds gt_bbox_dict: a label and the raw bbox_3d list per box. */
    private static Read readVgllm(PredictionSet.Sample s, int[] droppedLines) {
        JsonNode boxes = s.gt().get("boxes");
        if (boxes == null || !boxes.isArray()) throw new IllegalArgumentException("gt.boxes: missing or not a list");
        List<String> gtLabels = new ArrayList<>();
        List<double[]> gtBoxes = new ArrayList<>();
        for (int i = 0; i < boxes.size(); i++) {
            JsonNode label = boxes.get(i).get("label");
            if (label == null || !label.isTextual()) throw new IllegalArgumentException("gt.boxes[" + i + "].label: missing or not text");
            gtLabels.add(label.asText());
            JsonNode b = boxes.get(i).get("bbox_3d");
            VgllmAnswers.Shape shape = b == null ? null : VgllmAnswers.floatArray(b);
            gtBoxes.add(shape == null ? null : shape.nine());
        }
        String answer = Envelope.of(s.prediction()).answer();
        int before = droppedLines[0];
        List<VgllmAnswers.Pred> preds = VgllmAnswers.detections(answer, droppedLines);
        double[][] iou = new double[preds.size()][gtLabels.size()];
        for (int p = 0; p < preds.size(); p++) {
            for (int g = 0; g < gtLabels.size(); g++) {
                if (preds.get(p).label().equals(gtLabels.get(g))) iou[p][g] = VgllmIou.iou(preds.get(p).box(), gtBoxes.get(g));
            }
        }
        boolean unparsable = preds.isEmpty() && droppedLines[0] > before;
        return new Read(preds.stream().map(VgllmAnswers.Pred::label).toList(), gtLabels, iou, unparsable);
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
