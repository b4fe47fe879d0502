package rft3d.parse;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import rft3d.geometry.Box3D;
import rft3d.geometry.LabeledBox;

/**
 * Parsers for the answer part of a completion, one per answer kind. None of them throws on any input:
 * every failure is a {@link ParseResult} with a reason.
 */
public final class AnswerParser {
    private AnswerParser() {}

    /** At most this many objects are read from one detection answer; the rest are reported. */
    public static final int MAX_BOXES = 4096;

    /**
     * A detection answer: a JSON list of {@code {"label": .., "bbox_3d": [6, 7 or 9 numbers]}}, possibly
     * in a code fence. When the text is not valid JSON as a whole (truncated, prose around it), each
     * {@code {…}} object is read on its own; bad objects are skipped with a reason and good ones kept,
     * as the benchmark's evaluator does line by line. An empty list is a valid answer.
     */
    public static ParseResult<List<LabeledBox>> detections(String answer) {
        String text = LenientJson.stripFences(answer == null ? "" : answer);
        List<String> problems = new ArrayList<>();
        List<LabeledBox> boxes = new ArrayList<>();
        JsonNode whole = text.isEmpty() ? null : LenientJson.parse(text, new ArrayList<>());
        if (whole != null && (whole.isArray() || whole.isObject())) {
            Iterable<JsonNode> items = whole.isArray() ? whole : List.of(whole);
            int i = 0;
            for (JsonNode item : items) {
                if (i == MAX_BOXES) {
                    problems.add("more than " + MAX_BOXES + " boxes; the rest ignored");
                    break;
                }
                addBox(item, "item " + i++, boxes, problems);
            }
            return new ParseResult<>(boxes, problems);
        }
        List<String> spans = LenientJson.objectSpans(text, MAX_BOXES + 1);
        if (spans.isEmpty()) {
            return ParseResult.failure(text.isEmpty() ? "empty answer" : "no JSON list or object with a bbox_3d");
        }
        problems.add("answer is not one JSON value; read " + Math.min(spans.size(), MAX_BOXES) + " objects one by one");
        for (int i = 0; i < spans.size() && i < MAX_BOXES; i++) {
            JsonNode item = LenientJson.parse(spans.get(i), problems);
            if (item != null) addBox(item, "object " + i, boxes, problems);
        }
        if (spans.size() > MAX_BOXES) problems.add("more than " + MAX_BOXES + " boxes; the rest ignored");
        return new ParseResult<>(boxes, problems);
    }

    private static void addBox(JsonNode item, String where, List<LabeledBox> boxes, List<String> problems) {
        if (!item.isObject()) {
            problems.add(where + ": not an object");
            return;
        }
        JsonNode label = item.get("label");
        if (label == null || !label.isTextual() || label.asText().isBlank()) {
            problems.add(where + ": missing or non-text label");
            return;
        }
        try {
            boxes.add(new LabeledBox(label.asText().strip(), box(item.get("bbox_3d"), false)));
        } catch (IllegalArgumentException e) {
            problems.add(where + ": " + e.getMessage());
        }
    }

    /**
     * Reads a {@code bbox_3d} array: 6, 7 or 9 finite numbers (exactly 9 when {@code nineOnly}).
     *
     * @throws IllegalArgumentException with the reason when it is anything else
     */
    public static Box3D box(JsonNode node, boolean nineOnly) {
        if (node == null || !node.isArray()) throw new IllegalArgumentException("bbox_3d missing or not a list");
        int n = node.size();
        if (nineOnly ? n != 9 : (n != 6 && n != 7 && n != 9)) {
            throw new IllegalArgumentException("bbox_3d has " + n + " numbers, expected " + (nineOnly ? "9" : "6, 7 or 9"));
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            JsonNode x = node.get(i);
            if (!x.isNumber()) throw new IllegalArgumentException("bbox_3d[" + i + "] is not a number");
            v[i] = x.asDouble();
            if (!Double.isFinite(v[i])) throw new IllegalArgumentException("bbox_3d[" + i + "] is not finite");
        }
        return Box3D.of(v);
    }

    /** A grounding answer {@code {"frame": k, "bbox_3d": [9 numbers]}} in frame k's camera coordinates. */
    public record Grounding(int frame, Box3D box) {}

    /**
     * A grounding answer: the first JSON object with a {@code bbox_3d}, whose {@code frame} is a
     * non-negative integer and whose box has exactly 9 finite numbers (as the benchmark requires).
     */
    public static ParseResult<Grounding> grounding(String answer) {
        String text = LenientJson.stripFences(answer == null ? "" : answer);
        List<String> problems = new ArrayList<>();
        JsonNode obj = LenientJson.parse(text, problems);
        if (obj == null || !obj.isObject()) {
            obj = null;
            for (String span : LenientJson.objectSpans(text, 64)) {
                JsonNode candidate = LenientJson.parse(span, new ArrayList<>());
                if (candidate != null && candidate.has("bbox_3d")) {
                    obj = candidate;
                    break;
                }
            }
            if (obj == null) return ParseResult.failure(text.isEmpty() ? "empty answer" : "no JSON object with a bbox_3d");
        }
        JsonNode frame = obj.get("frame");
        if (frame == null || !frame.isIntegralNumber() || !frame.canConvertToInt() || frame.asInt() < 0) {
            return ParseResult.failure("frame missing or not a non-negative integer");
        }
        try {
            return ParseResult.of(new Grounding(frame.asInt(), box(obj.get("bbox_3d"), true)));
        } catch (IllegalArgumentException e) {
            return ParseResult.failure(e.getMessage());
        }
    }

    /**
     * VSI-Bench's {@code fuzzy_matching}: {@code pred.split(' ')[0].rstrip('.').strip()}, the first token
     * split on the space character alone, trailing dots removed, then Python's whitespace stripped
     * (vision-x-nyu/thinking-in-space {@code lmms_eval/tasks/vsibench/utils.py} L81–82).
     */
    public static String vsiToken(String answer) {
        String text = answer == null ? "" : answer;
        int space = text.indexOf(' ');
        String token = space < 0 ? text : text.substring(0, space);
        int end = token.length();
        while (end > 0 && token.charAt(end - 1) == '.') end--;
        return pythonStrip(token.substring(0, end));
    }

    /** Python's {@code str.strip()}: removes the characters {@code str.isspace()} accepts from both ends. */
    static String pythonStrip(String s) {
        int a = 0, b = s.length();
        while (a < b && isPythonSpace(s.charAt(a))) a++;
        while (b > a && isPythonSpace(s.charAt(b - 1))) b--;
        return s.substring(a, b);
    }

    private static boolean isPythonSpace(char c) {
        return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
    }

    /**
     * A multiple-choice answer as VSI-Bench reads it: {@link #vsiToken}, compared case-insensitively with
     * the ground truth by the caller ({@code exact_match}, utils.py L84–85).
     */
    public static ParseResult<String> choice(String answer) {
        String token = vsiToken(answer);
        if (token.isEmpty()) return ParseResult.failure("no option token before the first space");
        return ParseResult.of(token);
    }

    /**
     * A numeric answer as VSI-Bench reads it: Python's {@code float} of {@link #vsiToken} (utils.py L96–106),
     * so "3.5 meters" reads 3.5 but "about 3.5" has no number. Infinite and NaN values are failures
     * (they score 0 there too).
     */
    public static ParseResult<Double> number(String answer) {
        String token = vsiToken(answer);
        if (token.isEmpty()) return ParseResult.failure("no number before the first space");
        Double v = PythonFloat.parse(token);
        if (v == null) return ParseResult.failure("first token is not a number: " + shorten(token));
        if (!Double.isFinite(v)) return ParseResult.failure("number is not finite: " + shorten(token));
        return ParseResult.of(v);
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
