package rft3d.reward;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import rft3d.geometry.Box3D;
import rft3d.geometry.Iou3D;
import rft3d.geometry.RigidTransform;
import rft3d.parse.AnswerParser;

/**
 * 3D visual grounding: {@code format + w_frame · max(0, 1 − |f − f*| / tol) + w_iou · IoU}, where the
 * predicted box (in frame f's camera coordinates) is carried to world coordinates by
 * {@code axis_align_matrix · cam2global[f]}, in the config's {@link rft3d.geometry.GroundingConvention},
 * before the IoU with the world GT box.
 *
 * <p>Ground truth: {@code {"frame": f*, "gt_bbox": [9 numbers, world], "cam2global": [one 4×4 per
 * frame], "axis_align_matrix": 4×4 (optional)}}; a 4×4 is 16 numbers or 4 rows of 4, row-major.
 */
public final class GroundingTask implements RewardTask<GroundingTask.Truth> {
    private final RewardConfig cfg;

    public GroundingTask(RewardConfig cfg) {
        this.cfg = cfg;
    }

    /** Parsed ground truth. */
    public record Truth(int frame, Box3D worldBox, List<RigidTransform> camToWorld, RigidTransform axisAlign) {
        public Truth {
            camToWorld = List.copyOf(camToWorld);
        }

        /** Camera-to-aligned-world transform of a frame. */
        public RigidTransform frameToWorld(int f) {
            return axisAlign.compose(camToWorld.get(f));
        }
    }

    @Override
    public String name() {
        return "grounding";
    }

    @Override
    public Truth groundTruth(JsonNode gt) {
        if (gt == null || !gt.isObject()) throw new IllegalArgumentException("gt: not an object");
        JsonNode frame = gt.get("frame");
        if (frame == null || !frame.isIntegralNumber() || !frame.canConvertToInt() || frame.asInt() < 0) {
            throw new IllegalArgumentException("gt.frame: missing or not a non-negative integer");
        }
        Box3D box;
        try {
            box = AnswerParser.box(gt.get("gt_bbox"), false);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("gt.gt_bbox: " + e.getMessage(), e);
        }
        JsonNode poses = gt.get("cam2global");
        if (poses == null || !poses.isArray() || poses.isEmpty()) {
            throw new IllegalArgumentException("gt.cam2global: missing or empty list of 4x4 poses");
        }
        List<RigidTransform> list = new ArrayList<>();
        for (int i = 0; i < poses.size(); i++) list.add(matrix(poses.get(i), "gt.cam2global[" + i + "]"));
        JsonNode align = gt.get("axis_align_matrix");
        RigidTransform axis = align == null || align.isNull() ? RigidTransform.identity() : matrix(align, "gt.axis_align_matrix");
        if (frame.asInt() >= list.size()) {
            throw new IllegalArgumentException("gt.frame: " + frame.asInt() + " but only " + list.size() + " poses");
        }
        return new Truth(frame.asInt(), box, list, axis);
    }

    /** A 4×4 matrix from 16 numbers or 4 rows of 4. */
    public static RigidTransform matrix(JsonNode node, String field) {
        double[] v = new double[16];
        int k = 0;
        if (node == null || !node.isArray()) throw new IllegalArgumentException(field + ": not a 4x4 matrix");
        for (JsonNode e : node) {
            if (e.isArray()) {
                for (JsonNode x : e) {
                    if (k == 16 || !x.isNumber()) throw new IllegalArgumentException(field + ": not a 4x4 matrix of numbers");
                    v[k++] = x.asDouble();
                }
            } else {
                if (k == 16 || !e.isNumber()) throw new IllegalArgumentException(field + ": not a 4x4 matrix of numbers");
                v[k++] = e.asDouble();
            }
        }
        if (k != 16) throw new IllegalArgumentException(field + ": has " + k + " numbers, expected 16");
        try {
            return RigidTransform.ofRowMajor(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Reward score(String completion, Truth gt) {
        ParsedAnswer<AnswerParser.Grounding> p = parse(completion);
        if (p.value() == null) return combine(p.format(), 0, 0, p.reason());
        int f = p.value().frame();
        double iou = f < gt.camToWorld().size() ? Iou3D.iou(worldBox(gt, f, p.value().box()), gt.worldBox()) : 0;
        return combine(p.format(), frameReward(f, gt.frame()), iou, reason(p, gt));
    }

    /** The answered box (in frame {@code f}'s camera coordinates) in world coordinates, by this config's convention. */
    public Box3D worldBox(Truth gt, int f, Box3D frameBox) {
        return cfg.groundingConvention().toWorld(gt.frameToWorld(f), frameBox);
    }

    /** Envelope and answer parsing: the part CPU and GPU engines share. Never throws. */
    public static ParsedAnswer<AnswerParser.Grounding> parse(String completion) {
        return ParsedAnswer.read(completion, AnswerParser::grounding);
    }

    /** The reason of a parsed answer, plus a missing camera pose for its frame. */
    public static String reason(ParsedAnswer<AnswerParser.Grounding> p, Truth gt) {
        if (p.value() == null || p.value().frame() < gt.camToWorld().size()) return p.reason();
        return ParsedAnswer.join("frame " + p.value().frame() + " has no camera pose (" + gt.camToWorld().size() + " frames)", p.reason());
    }

    /** {@code max(0, 1 − |f − f*| / tolerance)}. */
    public double frameReward(int f, int fStar) {
        return Math.max(0, 1 - Math.abs(f - fStar) / cfg.frameTolerance());
    }

    /** The reward formula, shared by every engine. */
    public Reward combine(double format, double frame, double iou, String reason) {
        Map<String, Double> parts = new LinkedHashMap<>();
        parts.put(Reward.FORMAT, format);
        parts.put(Reward.FRAME, frame);
        parts.put(Reward.IOU, iou);
        double total = cfg.formatWeight() * format + cfg.groundingFrameWeight() * frame + cfg.groundingIouWeight() * iou;
        return new Reward(total, parts, reason);
    }
}
