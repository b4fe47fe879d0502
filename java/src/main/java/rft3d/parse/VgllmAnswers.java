package rft3d.parse;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * How VG-LLM's evaluators read answers, error paths included: for {@code ./rft eval --compat vgllm}, and
 * for the detection format reward (an answer that evaluator would not read whole is not well formatted).
 * Sources: LaVi-Lab/VG-LLM {@code src/lmms_eval/tasks/threedod/utils.py} (detection,
 * {@code threedod_process_results} L360–384, {@code compute_ap}, {@code EulerDepthInstance3DBoxes}) and
 * {@code scanrefer/utils.py} (grounding). Each rule names the line it follows.
 */
public final class VgllmAnswers {
    private VgllmAnswers() {}

    /** A predicted object: its category and its box, or null for a box that scores IoU 0 but still counts. */
    public record Pred(String label, double[] box) {}

    /**
     * {@code results[0].strip('\n').strip("```").strip("json").strip("\n").split("\n")}: note that
     * {@code strip("json")} strips the characters j, s, o, n from both ends.
     */
    public static List<String> lines(String text) {
        String t = stripChars(stripChars(stripChars(stripChars(text, "\n"), "`"), "json"), "\n");
        return List.of(t.split("\n", -1));
    }

    /** Python's {@code str.strip(chars)}. */
    public static String stripChars(String s, String chars) {
        int a = 0, b = s.length();
        while (a < b && chars.indexOf(s.charAt(a)) >= 0) a++;
        while (b > a && chars.indexOf(s.charAt(b - 1)) >= 0) b--;
        return s.substring(a, b);
    }

    /**
     * threedod_process_results: each line stripped, then stripped of commas; lines with neither "bbox_3d"
     * nor "label" skipped; the rest {@code eval}ed; an object counts when it is a dict whose "bbox_3d"
     * numpy turns into floats and whose "label" is hashable. Others are dropped (counted in
     * {@code dropped[0]}). A one-line JSON array evaluates to a list and is dropped whole.
     */
    public static List<Pred> detections(String text, int[] dropped) {
        List<Pred> out = new ArrayList<>();
        for (String raw : lines(text)) {
            String line = stripChars(raw.strip(), ",");
            if (!line.contains("bbox_3d") && !line.contains("label")) continue;
            JsonNode item;
            try {
                item = PythonLiteral.eval(line);
            } catch (IllegalArgumentException e) {
                dropped[0]++;
                continue;
            }
            if (!item.isObject() || !item.has("bbox_3d") || !item.has("label")) {
                dropped[0]++;
                continue;
            }
            Shape box = floatArray(item.get("bbox_3d"));
            JsonNode label = item.get("label");
            if (box == null || (label.isContainerNode() && !(label instanceof PythonLiteral.Tuple))) { // numpy raises, or an unhashable label
                dropped[0]++;
                continue;
            }
            out.add(new Pred(label.isTextual() ? label.asText() : "\u0000" + label, box.nine()));
        }
        return out;
    }

    /** A grounding answer that reaches the IoU: its frame and 9 numbers. */
    public record Grounding(int frame, double[] box) {}

    /**
     * scanrefer_process_results: the first line containing "bbox_3d" is {@code eval}ed (only that one);
     * it scores only when it is a dict whose "frame" is a Python int (a bool is one) in range and whose
     * "bbox_3d" is a list (not a tuple) of 9 numbers. Null otherwise: IoU 0.
     */
    public static Grounding grounding(String text, int frames) {
        for (String line : lines(text)) {
            if (!line.contains("bbox_3d")) continue;
            JsonNode d;
            try {
                d = PythonLiteral.eval(line.strip());
            } catch (IllegalArgumentException e) {
                return null;
            }
            if (!d.isObject()) return null;
            JsonNode f = d.get("frame"), b = d.get("bbox_3d");
            boolean intFrame = f != null && (f.isIntegralNumber() || f.isBoolean());
            if (!intFrame || !f.canConvertToInt() && !f.isBoolean()) return null;
            int frame = f.isBoolean() ? (f.asBoolean() ? 1 : 0) : f.asInt();
            if (frame < 0 || frame >= frames) return null;
            if (b == null || !b.isArray() || b instanceof PythonLiteral.Tuple || b.size() != 9) return null;
            double[] v = new double[9];
            for (int i = 0; i < 9; i++) {
                JsonNode x = b.get(i);
                if (!x.isNumber() && !x.isBoolean()) return null; // strings and None fail in numpy's matmul
                v[i] = x.isBoolean() ? (x.asBoolean() ? 1 : 0) : x.asDouble();
            }
            return new Grounding(frame, v);
        }
        return null;
    }

    /** What {@code np.array(x, dtype=float)} makes: its values when the shape is (9,), else {@link #nine()} is null. */
    public record Shape(double[] flat, int[] dims) {
        public double[] nine() {
            return dims.length == 1 && dims[0] == 9 ? flat : null;
        }
    }

    /** {@code np.array(x, dtype=float)}, or null where numpy raises (a dict, a string that is no number, a ragged list). */
    public static Shape floatArray(JsonNode x) {
        List<Double> values = new ArrayList<>();
        int[] dims = shape(x, values);
        if (dims == null) return null;
        double[] flat = new double[values.size()];
        for (int i = 0; i < flat.length; i++) flat[i] = values.get(i);
        return new Shape(flat, dims);
    }

    private static int[] shape(JsonNode x, List<Double> out) {
        if (x.isArray()) {
            int[] inner = null;
            for (JsonNode e : x) {
                int[] d = shape(e, out);
                if (d == null || (inner != null && !java.util.Arrays.equals(inner, d))) return null; // ragged
                inner = d;
            }
            int[] dims = new int[1 + (inner == null ? 0 : inner.length)];
            dims[0] = x.size();
            if (inner != null) System.arraycopy(inner, 0, dims, 1, inner.length);
            return dims;
        }
        Double v = x.isNumber() ? Double.valueOf(x.asDouble()) : x.isBoolean() ? Double.valueOf(x.asBoolean() ? 1 : 0)
                : x.isNull() ? Double.valueOf(Double.NaN) : x.isTextual() ? PythonFloat.parse(x.asText().strip()) : null;
        if (v == null) return null;
        out.add(v);
        return new int[0];
    }
}
