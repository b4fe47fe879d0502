package rft3d.reward;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import rft3d.geometry.LabeledBox;
import rft3d.geometry.Box3D;
import rft3d.parse.AnswerParser;
import rft3d.parse.DetectionScanner;
import rft3d.parse.ParseResult;
import rft3d.parse.Envelope;
import rft3d.parse.VgllmAnswers;

/**
 * 3D video detection: {@code format + w_iou · meanBestIoU + w_f1 · F1}. Ground truth:
 * {@code {"boxes": [{"label": "chair", "bbox_3d": [9 numbers]}, …]}} in the first frame's camera
 * coordinates.
 */
public final class DetectionTask implements RewardTask<List<LabeledBox>> {
    private final RewardConfig cfg;

    public DetectionTask(RewardConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public String name() {
        return "detection";
    }

    @Override
    public List<LabeledBox> groundTruth(JsonNode gt) {
        JsonNode boxes = gt == null ? null : gt.get("boxes");
        if (boxes == null || !boxes.isArray()) throw new IllegalArgumentException("gt.boxes: missing or not a list");
        List<LabeledBox> out = new ArrayList<>();
        for (int i = 0; i < boxes.size(); i++) {
            JsonNode b = boxes.get(i);
            JsonNode label = b.get("label");
            if (label == null || !label.isTextual()) {
                throw new IllegalArgumentException("gt.boxes[" + i + "].label: missing or not text");
            }
            try {
                out.add(new LabeledBox(label.asText().strip(), AnswerParser.box(b.get("bbox_3d"), false)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("gt.boxes[" + i + "]: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * Envelope and answer parsing, before any geometry: the part CPU and GPU engines share. An
     * unusable answer reads as no predictions. Never throws.
     */
    public static ParsedAnswer<List<LabeledBox>> parse(String completion) {
        Envelope env = Envelope.of(completion);
        // The model's own grammar takes one pass; anything else goes through the tolerant JSON parser.
        DetectionScanner.Scan scan = DetectionScanner.scan(env.answer());
        ParsedAnswer<List<LabeledBox>> p = ParsedAnswer.of(env, scan != null ? ParseResult.of(boxes(scan)) : AnswerParser.detections(env.answer()));
        if (p.value() == null) return new ParsedAnswer<>(p.format(), List.of(), p.reason());
        if (p.format() == 0 || p.value().isEmpty()) return p;
        // Scored tolerantly, but well formatted only when the benchmark's own reader gets every object.
        int read = scan != null ? scan.onOwnLine() : VgllmAnswers.detections(env.answer(), new int[1]).size();
        if (read == p.value().size()) return p;
        return new ParsedAnswer<>(0, p.value(), ParsedAnswer.join(p.reason(), "VG-LLM's evaluator, which reads one object per line, would read "
                + read + " of the " + p.value().size() + " objects"));
    }

    private static List<LabeledBox> boxes(DetectionScanner.Scan scan) {
        List<LabeledBox> out = new ArrayList<>(scan.labels().size());
        for (int i = 0; i < scan.labels().size(); i++) out.add(new LabeledBox(scan.labels().get(i), Box3D.of(scan.boxes().get(i))));
        return out;
    }

    /**
     * Most predicted × ground-truth pairs scored for one completion (each costs an IoU and 8 bytes of
     * matrix): 4096 predictions against 1024 boxes. A larger answer scores 0, so one runaway rollout can
     * neither exhaust memory nor stall a training step.
     */
    public static final long MAX_PAIRS = 1L << 22;

    /** {@link #parse(String)}, then no predictions (format 0, with the reason) when they would exceed {@link #MAX_PAIRS}. */
    public static ParsedAnswer<List<LabeledBox>> parse(String completion, int gtBoxes) {
        ParsedAnswer<List<LabeledBox>> p = parse(completion);
        long pairs = (long) p.value().size() * gtBoxes;
        if (pairs <= MAX_PAIRS) return p;
        return new ParsedAnswer<>(0, List.of(), ParsedAnswer.join(p.value().size() + " predicted x " + gtBoxes
                + " ground-truth boxes = " + pairs + " pairs, over the limit of " + MAX_PAIRS + "; not scored", p.reason()));
    }

    @Override
    public Reward score(String completion, List<LabeledBox> gt) {
        ParsedAnswer<List<LabeledBox>> p = parse(completion, gt.size());
        return combine(p, DetectionMatcher.of(p.value(), gt, cfg));
    }

    /** The reward formula, shared by every engine. */
    public Reward combine(ParsedAnswer<?> p, DetectionMatcher.Stats s) {
        Map<String, Double> parts = new LinkedHashMap<>();
        parts.put(Reward.FORMAT, p.format());
        parts.put(Reward.IOU, s.meanBestIou());
        parts.put(Reward.F1, s.f1());
        parts.put(Reward.TP, (double) s.tp());
        parts.put(Reward.FP, (double) s.fp());
        parts.put(Reward.FN, (double) s.fn());
        return new Reward(total(p.format(), s), parts, p.reason());
    }

    /** The weighted total of a format reward and matching statistics. */
    public double total(double format, DetectionMatcher.Stats s) {
        return cfg.formatWeight() * format + cfg.detectionIouWeight() * s.meanBestIou() + cfg.detectionF1Weight() * s.f1();
    }
}
