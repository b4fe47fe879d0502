package rft3d.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The headline metrics of an evaluation, from the prediction sets of the tasks present (keyed by task). */
public final class Headline {
    private Headline() {}

    /**
     * det F1@0.25/0.5 and cate8, grounding Acc@0.25/0.5, VSI numeric MRA and multiple-choice accuracy; and
     * det F1@0.25 with each answer scored against another scene's GT ({@link PredictionSet#withNextTruths}):
     * a model reads its video only as far as it scores above that.
     */
    public static Map<String, Double> of(Map<String, PredictionSet> sets) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (sets.containsKey("detection")) {
            Map<String, Object> r = DetectionEvaluator.evaluate(sets.get("detection"));
            m.put("det_f1@0.25", overall(r, "f1@0.25"));
            m.put("det_f1@0.5", overall(r, "f1@0.5"));
            m.put("det_cate8_f1@0.25", (Double) ((Map<?, ?>) ((Map<?, ?>) r.get("splits")).get("cate8")).get("f1@0.25"));
            m.put("det_f1@0.25_other_scene", overall(DetectionEvaluator.evaluate(sets.get("detection").withNextTruths()), "f1@0.25"));
        }
        if (sets.containsKey("grounding")) {
            Map<String, Object> r = GroundingEvaluator.evaluate(sets.get("grounding"));
            m.put("ground_acc@0.25", (Double) r.get("acc@0.25"));
            m.put("ground_acc@0.5", (Double) r.get("acc@0.5"));
        }
        for (String task : List.of("numeric", "mc")) {
            if (!sets.containsKey(task)) continue;
            Map<String, Object> r = VsiEvaluator.evaluate(sets.get(task));
            m.put(task.equals("mc") ? "spatial_mc_acc" : "spatial_numeric_mra", (Double) r.get("overall"));
        }
        return m;
    }

    /** A figure of a detection report's "overall" section. */
    private static Double overall(Map<String, Object> detection, String key) {
        return (Double) ((Map<?, ?>) detection.get("overall")).get(key);
    }
}
