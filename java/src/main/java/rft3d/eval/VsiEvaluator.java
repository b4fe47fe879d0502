package rft3d.eval;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import rft3d.reward.ChoiceTask;
import rft3d.reward.NumericTask;
import rft3d.reward.Reward;
import rft3d.reward.RewardConfig;

/**
 * VSI-Bench metrics: per question type, accuracy (multiple choice) or Mean Relative Accuracy (numeric
 * answers), and the overall mean over question types, with the three relative-direction levels first
 * averaged into one type, as VSI-Bench does. GT lines: {@code {"id", "question_type", "answer"}}; a
 * {@code "kind": "mc"|"numeric"} field overrides the kind implied by the question type.
 */
public final class VsiEvaluator {
    private VsiEvaluator() {}

    /** VSI-Bench's question types with numeric answers; every other type is multiple choice. */
    public static final Set<String> NUMERIC_TYPES =
            Set.of("object_counting", "object_abs_distance", "object_size_estimation", "room_size_estimation");

    private static final List<String> DIRECTION_LEVELS =
            List.of("object_rel_direction_easy", "object_rel_direction_medium", "object_rel_direction_hard");

    /** Metrics of a joined prediction set. */
    public static Map<String, Object> evaluate(PredictionSet set) {
        RewardConfig cfg = RewardConfig.defaults();
        ChoiceTask mc = new ChoiceTask(cfg);
        NumericTask numeric = new NumericTask(cfg);
        Map<String, double[]> sums = new java.util.TreeMap<>(); // type -> {sum, count}
        for (PredictionSet.Sample s : set.samples()) {
            JsonNode type = s.gt().get("question_type");
            if (type == null || !type.isTextual()) {
                set.error("gt " + s.id() + ": question_type missing (sample skipped)");
                continue;
            }
            String kind = s.gt().has("kind") ? s.gt().get("kind").asText() : NUMERIC_TYPES.contains(type.asText()) ? "numeric" : "mc";
            double score;
            try {
                score = "numeric".equals(kind)
                        ? numeric.scoreJson(s.prediction(), s.gt()).part(Reward.MRA)
                        : mc.scoreJson(s.prediction(), s.gt()).part(Reward.ACCURACY);
            } catch (IllegalArgumentException e) {
                set.error("gt " + s.id() + ": " + e.getMessage() + " (sample skipped)");
                continue;
            }
            double[] acc = sums.computeIfAbsent(type.asText(), k -> new double[2]);
            acc[0] += score;
            acc[1]++;
        }
        Map<String, Double> perType = new LinkedHashMap<>();
        sums.forEach((k, v) -> perType.put(k, v[0] / v[1]));
        Map<String, Double> forOverall = new LinkedHashMap<>(perType);
        double dirSum = 0;
        int dirCount = 0;
        for (String level : DIRECTION_LEVELS) {
            Double v = forOverall.remove(level);
            if (v != null) {
                dirSum += v;
                dirCount++;
            }
        }
        if (dirCount > 0) forOverall.put("object_rel_direction", dirSum / dirCount);
        double overall = forOverall.values().stream().mapToDouble(Double::doubleValue).average().orElse(0);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("task", "vsi");
        report.putAll(set.bookkeeping());
        report.put("overall", overall);
        report.put("per_type", perType);
        return report;
    }
}
