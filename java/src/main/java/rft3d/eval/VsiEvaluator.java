package rft3d.eval;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import rft3d.reward.ChoiceTask;
import rft3d.reward.NumericTask;
import rft3d.reward.Reward;
import rft3d.reward.RewardConfig;

/**
 * VSI-Bench's evaluator (vision-x-nyu/thinking-in-space {@code lmms_eval/tasks/vsibench/utils.py}): per
 * question type, exact-match accuracy (multiple-choice types) or MRA (numeric types), answers read by
 * {@code fuzzy_matching}; then {@code object_rel_direction_accuracy} = the sum of the easy, medium and hard
 * accuracies over 3 (a level with no question counts 0, L144–148), and {@code overall} = the mean of every
 * reported metric (L150). The metric names are upstream's. GT lines: {@code {"id", "question_type", "answer"}}.
 *
 * <p>Where rft3d departs: the {@code <answer>} block is read when the prediction has one (the RFT model's
 * output; the rules then apply to it); a question type outside upstream's lists is a listed GT error
 * where upstream raises; a negative numeric GT is an error (upstream's MRA would score every prediction
 * 1), and a GT of 0 scores 1 for exactly 0 (upstream divides by zero).
 */
public final class VsiEvaluator {
    private VsiEvaluator() {}

    /** Upstream's multiple-choice question types (MCA_QUESTION_TYPES, L13–20). */
    public static final List<String> MC_TYPES = List.of("object_rel_direction_easy", "object_rel_direction_medium",
            "object_rel_direction_hard", "object_rel_distance", "route_planning", "obj_appearance_order");
    /** Upstream's numeric question types (NA_QUESTION_TYPES, L21–26). */
    public static final List<String> NUMERIC_TYPES = List.of("object_abs_distance", "object_counting",
            "object_size_estimation", "room_size_estimation");

    private static final List<String> DIRECTION_LEVELS = MC_TYPES.subList(0, 3);
    static final String MRA_METRIC = "MRA:.5:.95:.05";

    /** Metrics of a joined prediction set. */
    public static Map<String, Object> evaluate(PredictionSet set) {
        RewardConfig cfg = RewardConfig.defaults();
        ChoiceTask mc = new ChoiceTask(cfg);
        NumericTask numeric = new NumericTask(cfg);
        Map<String, double[]> sums = new TreeMap<>(); // type -> {sum, count}
        for (PredictionSet.Sample s : set.samples()) {
            JsonNode type = s.gt().get("question_type");
            if (type == null || !type.isTextual() || !(MC_TYPES.contains(type.asText()) || NUMERIC_TYPES.contains(type.asText()))) {
                set.error("gt " + s.id() + ": question_type missing or not one of VSI-Bench's (sample skipped)");
                continue;
            }
            double score;
            try {
                score = NUMERIC_TYPES.contains(type.asText())
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
        Map<String, Double> metrics = new LinkedHashMap<>();
        perType.forEach((type, v) -> {
            if (!DIRECTION_LEVELS.contains(type)) metrics.put(type + "_" + (NUMERIC_TYPES.contains(type) ? MRA_METRIC : "accuracy"), v);
        });
        double direction = 0;
        for (String level : DIRECTION_LEVELS) direction += perType.getOrDefault(level, 0.0);
        metrics.put("object_rel_direction_accuracy", direction / 3);
        metrics.put("overall", metrics.values().stream().mapToDouble(Double::doubleValue).sum() / metrics.size());
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("task", "vsi");
        report.putAll(set.bookkeeping());
        report.put("overall", metrics.get("overall"));
        report.put("metrics", metrics);
        report.put("per_type", perType);
        return report;
    }
}
