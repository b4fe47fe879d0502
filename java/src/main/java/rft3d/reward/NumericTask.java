package rft3d.reward;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import rft3d.parse.AnswerParser;
import rft3d.parse.PythonFloat;

/**
 * Numeric answers: {@code format + w · MRA(y, y*)} (see {@link Mra}). Ground truth:
 * {@code {"answer": 3.5}} (a number, or a string holding one).
 */
public final class NumericTask implements RewardTask<Double> {
    private final RewardConfig cfg;

    public NumericTask(RewardConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public String name() {
        return "numeric";
    }

    /**
     * The answer as a finite number ≥ 0: VSI-Bench's MRA divides by y* itself, so a negative y* would let
     * every prediction score 1 (distances, sizes and counts are never negative).
     */
    @Override
    public Double groundTruth(JsonNode gt) {
        JsonNode a = gt == null ? null : gt.get("answer");
        Double v = a == null ? null : a.isNumber() ? Double.valueOf(a.asDouble()) : a.isTextual() ? PythonFloat.parse(a.asText().strip()) : null;
        if (v == null || !Double.isFinite(v)) throw new IllegalArgumentException("gt.answer: missing or not a finite number");
        if (v < 0) throw new IllegalArgumentException("gt.answer: " + v + " is negative; VSI-Bench's MRA divides by it");
        return v;
    }

    @Override
    public Reward score(String completion, Double gt) {
        ParsedAnswer<Double> p = parse(completion);
        double mra = p.value() == null ? 0 : Mra.of(p.value(), gt, cfg.mraThresholds());
        return combine(p.format(), mra, p.reason());
    }

    /** Envelope and answer parsing: the part CPU and GPU engines share. Never throws. */
    public static ParsedAnswer<Double> parse(String completion) {
        return ParsedAnswer.read(completion, AnswerParser::number);
    }

    /** The reward formula, shared by every engine. */
    public Reward combine(double format, double mra, String reason) {
        Map<String, Double> parts = new LinkedHashMap<>();
        parts.put(Reward.FORMAT, format);
        parts.put(Reward.MRA, mra);
        return new Reward(cfg.formatWeight() * format + cfg.numericWeight() * mra, parts, reason);
    }
}
