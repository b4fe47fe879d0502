package rft3d.eval;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ground truth and predictions joined by {@code id}. GT lines are {@code {"id": .., ...task fields}};
 * prediction lines are {@code {"id": .., "prediction": "model output"}} ({@code "completion"} is read
 * too). A GT sample without a prediction is scored as an empty answer and counted as missing; nothing
 * is dropped without being counted.
 */
public final class PredictionSet {
    /** One GT sample with its prediction text ("" when missing). */
    public record Sample(String id, JsonNode gt, String prediction) {}

    private final List<Sample> samples = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private int missing;
    private int unmatched;

    /**
     * Reads both files.
     *
     * @throws IOException when a file cannot be read
     */
    public static PredictionSet read(Path pred, Path gt) throws IOException {
        PredictionSet s = new PredictionSet();
        Map<String, JsonNode> gts = new LinkedHashMap<>();
        Jsonl.forEach(gt, (line, node) -> {
            String id = id(node);
            if (id == null) s.errors.add(gt + ":" + line + ": no id");
            else if (gts.putIfAbsent(id, node) != null) s.errors.add(gt + ":" + line + ": duplicate id " + id);
        }, s.errors);
        Map<String, String> preds = new HashMap<>();
        Jsonl.forEach(pred, (line, node) -> {
            String id = id(node);
            JsonNode text = node.has("prediction") ? node.get("prediction") : node.get("completion");
            if (id == null) s.errors.add(pred + ":" + line + ": no id");
            else if (text == null || !text.isTextual()) s.errors.add(pred + ":" + line + ": no text 'prediction'");
            else if (!gts.containsKey(id)) s.unmatched++;
            else if (preds.putIfAbsent(id, text.asText()) != null) s.errors.add(pred + ":" + line + ": duplicate id " + id);
        }, s.errors);
        for (Map.Entry<String, JsonNode> e : gts.entrySet()) {
            String p = preds.get(e.getKey());
            if (p == null) s.missing++;
            s.samples.add(new Sample(e.getKey(), e.getValue(), p == null ? "" : p));
        }
        return s;
    }

    /** Where ./rft predict writes a task's predictions in its output folder. */
    public static Path predictionFile(Path dir, String task) {
        return dir.resolve("pred_" + task + ".jsonl");
    }

    private static String id(JsonNode node) {
        JsonNode id = node.get("id");
        return id == null || id.isNull() || id.isContainerNode() ? null : id.asText();
    }

    /**
     * A bootstrap replicate: as many samples, drawn with replacement (for standard errors of corpus-level
     * metrics such as F1, which are not means over samples).
     */
    public PredictionSet resample(java.util.SplittableRandom rnd) {
        int[] draw = new int[samples.size()];
        for (int i = 0; i < draw.length; i++) draw[i] = rnd.nextInt(samples.size());
        return pick(draw);
    }

    /** The samples at these positions, in this order (repeats allowed): a replicate shared by paired sets. */
    public PredictionSet pick(int[] positions) {
        PredictionSet s = new PredictionSet();
        for (int i : positions) s.samples.add(samples.get(i));
        return s;
    }

    /**
     * Each prediction paired with the next sample's GT (the last with the first). Scored so, a model's answers
     * lose what they owe to their own video and keep what they owe to the answer distribution: the floor
     * that a model ignoring its video scores at either way.
     */
    public PredictionSet withNextTruths() {
        PredictionSet s = new PredictionSet();
        int n = samples.size();
        for (int i = 0; i < n; i++) {
            Sample mine = samples.get(i);
            s.samples.add(new Sample(mine.id(), samples.get((i + 1) % n).gt(), mine.prediction()));
        }
        return s;
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The bookkeeping every report carries: counts of samples, missing and unmatched predictions, errors. */
    public Map<String, Object> bookkeeping() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", samples.size());
        m.put("missing_predictions", missing);
        m.put("predictions_without_gt", unmatched);
        m.put("errors", errors);
        return m;
    }

    /** Records a per-sample problem (for example a bad GT object). */
    void error(String message) {
        errors.add(message);
    }
}
