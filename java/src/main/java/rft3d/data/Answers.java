package rft3d.data;

import java.util.List;
import java.util.Locale;
import rft3d.geometry.Box3D;
import rft3d.geometry.LabeledBox;

/**
 * The answer grammar the model is taught: boxes as JSON numbers with two decimals on a 0.05 grid, inside
 * the {@code <think>…</think><answer>…</answer>} envelope. One place, so the data, the tokenizer's number
 * tokens and the tests agree.
 */
public final class Answers {
    private Answers() {}

    /** Box numbers are multiples of this. */
    public static final double GRID = 0.05;
    /** Box numbers lie within ±this (metres or radians). */
    public static final double RANGE = 8.0;

    /** A number snapped to the grid and clamped to the range, as text ("-0.35"). */
    public static String number(double v) {
        double q = Math.max(-RANGE, Math.min(RANGE, Math.round(v / GRID) * GRID));
        String s = String.format(Locale.ROOT, "%.2f", q);
        return s.equals("-0.00") ? "0.00" : s;
    }

    static String box(Box3D b) {
        StringBuilder sb = new StringBuilder("[");
        double[] v = b.toArray();
        for (int i = 0; i < v.length; i++) sb.append(i == 0 ? "" : ", ").append(number(v[i]));
        return sb.append(']').toString();
    }

    /**
     * A detection answer listing the boxes, one object per line: VG-LLM's evaluator reads answers line by
     * line and drops a list written on one line.
     */
    public static String detection(List<LabeledBox> boxes) {
        StringBuilder sb = new StringBuilder("<think>I see ").append(boxes.size()).append(" objects</think><answer>[\n");
        for (int i = 0; i < boxes.size(); i++) {
            sb.append(i == 0 ? "" : ",\n").append("{\"label\": \"").append(boxes.get(i).label()).append("\", \"bbox_3d\": ")
                    .append(box(boxes.get(i).box())).append('}');
        }
        return sb.append(boxes.isEmpty() ? "]</answer>" : "\n]</answer>").toString();
    }

    /** A grounding answer: the frame and the box in that frame's camera coordinates. */
    public static String grounding(String label, int frame, Box3D cameraBox) {
        return "<think>the " + label + " is best seen in frame " + frame + "</think><answer>{\"frame\": " + frame
                + ", \"bbox_3d\": " + box(cameraBox) + "}</answer>";
    }

    /** A counting answer. */
    public static String count(String label, int n) {
        return "<think>counting " + label + "</think><answer>" + n + "</answer>";
    }

    /** A measured quantity (metres) as a grid number. */
    public static String measure(String what, double metres) {
        return "<think>measuring " + what + "</think><answer>" + number(metres) + "</answer>";
    }

    /** A multiple-choice answer: the option's letter. */
    public static String choice(String letter) {
        return "<think>comparing positions</think><answer>" + letter + "</answer>";
    }
}
