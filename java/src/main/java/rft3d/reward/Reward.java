package rft3d.reward;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One completion's reward: the weighted total, its named parts (so a trainer can log them) and, when
 * something went wrong, the reason. Part names are the constants below.
 */
public record Reward(double total, Map<String, Double> parts, String reason) {
    public static final String FORMAT = "format";
    public static final String IOU = "iou";
    public static final String F1 = "f1";
    public static final String TP = "tp";
    public static final String FP = "fp";
    public static final String FN = "fn";
    public static final String FRAME = "frame";
    public static final String ACCURACY = "accuracy";
    public static final String MRA = "mra";

    public Reward {
        parts = Collections.unmodifiableMap(new LinkedHashMap<>(parts));
        reason = reason == null ? "" : reason;
    }

    /** The form every output uses: {@code {"reward": total, "parts": {...}, "reason": "..."}}. */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode().put("reward", total);
        ObjectNode p = o.putObject("parts");
        parts.forEach(p::put);
        return o.put("reason", reason);
    }

    /** A part by name, or NaN when this task has no such part. */
    public double part(String name) {
        Double v = parts.get(name);
        return v == null ? Double.NaN : v;
    }
}
