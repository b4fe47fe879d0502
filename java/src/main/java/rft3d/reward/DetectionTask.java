package rft3d.reward;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
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
        return parse(completion, 0);
    }

    /**
     * Most predicted × ground-truth pairs scored for one completion (each costs an IoU and 8 bytes of
     * matrix): 4096 predictions against 1024 boxes. A larger answer scores 0, so one runaway rollout can
     * neither exhaust memory nor stall a training step.
     */
    public static final long MAX_PAIRS = 1L << 22;

    /** {@link #parse(String)}, then no predictions (format 0, with the reason) when they would exceed {@link #MAX_PAIRS}. */
    public static ParsedAnswer<List<LabeledBox>> parse(String completion, int gtBoxes) {
        Envelope env = Envelope.of(completion);
        // The model's own grammar takes one pass; anything else goes through the tolerant JSON parser.
        DetectionScanner.Scan scan = DetectionScanner.scan(env.answer());
        if (scan != null) {
            Reading r = scanned(env.wellFormed(), scan.labels().size(), scan.onOwnLine(), gtBoxes);
            return new ParsedAnswer<>(r.format(), r.scored() ? boxes(scan) : List.of(), r.reason());
        }
        ParsedAnswer<List<LabeledBox>> p = ParsedAnswer.of(env, AnswerParser.detections(env.answer()));
        List<LabeledBox> boxes = p.value() == null ? List.of() : p.value();
        Reading r = checked(p.format(), p.reason(), boxes.size(), () -> VgllmAnswers.detections(env.answer(), new int[1]).size(), gtBoxes);
        return new ParsedAnswer<>(r.format(), r.scored() ? boxes : List.of(), r.reason());
    }

    /**
     * How an answer is scored, from the facts alone: its format reward, the reason, and whether its
     * predictions are scored at all (not when they would exceed {@link #MAX_PAIRS}).
     */
    public record Reading(double format, String reason, boolean scored) {}

    /**
     * The reading of an answer that {@link DetectionScanner} accepted (or the GPU's scan of token ids, which
     * gives the same facts): whether the envelope is well formed, how many objects, and how many of them
     * stand alone on their line.
     */
    public static Reading scanned(boolean wellFormed, int objects, int onOwnLine, int gtBoxes) {
        ParsedAnswer<Integer> p = ParsedAnswer.of(wellFormed, ParseResult.of(objects));
        return checked(p.format(), p.reason(), objects, () -> onOwnLine, gtBoxes);
    }

    /**
     * Scored tolerantly, but well formatted only when the benchmark's own reader gets every object; and
     * not scored at all beyond {@link #MAX_PAIRS}.
     */
    private static Reading checked(double format, String reason, int objects, IntSupplier vgllmRead, int gtBoxes) {
        if (format != 0 && objects > 0) {
            int read = vgllmRead.getAsInt();
            if (read != objects) {
                format = 0;
                reason = ParsedAnswer.join(reason, "VG-LLM's evaluator, which reads one object per line, would read " + read
                        + " of the " + objects + " objects");
            }
        }
        long pairs = (long) objects * gtBoxes;
        if (pairs <= MAX_PAIRS) return new Reading(format, reason, true);
        return new Reading(0, ParsedAnswer.join(objects + " predicted x " + gtBoxes + " ground-truth boxes = " + pairs
                + " pairs, over the limit of " + MAX_PAIRS + "; not scored", reason), false);
    }

    private static List<LabeledBox> boxes(DetectionScanner.Scan scan) {
        List<LabeledBox> out = new ArrayList<>(scan.labels().size());
        for (int i = 0; i < scan.labels().size(); i++) out.add(new LabeledBox(scan.labels().get(i), Box3D.of(scan.boxes().get(i))));
        return out;
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
