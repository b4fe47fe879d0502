package rft3d.reward;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import rft3d.parse.AnswerParser;

/**
 * Multiple choice: {@code format + w · [first token of the answer == the correct option]}, read and
 * compared as VSI-Bench does ({@link AnswerParser#choice}; case-insensitive, the ground truth as given).
 * Ground truth: {@code {"answer": "B"}}.
 */
public final class ChoiceTask implements RewardTask<String> {
    private final RewardConfig cfg;

    public ChoiceTask(RewardConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public String name() {
        return "mc";
    }

    @Override
    public String groundTruth(JsonNode gt) {
        JsonNode a = gt == null ? null : gt.get("answer");
        if (a == null || !a.isTextual() || a.asText().isEmpty()) throw new IllegalArgumentException("gt.answer: missing or not text");
        return a.asText();
    }

    @Override
    public Reward score(String completion, String gt) {
        ParsedAnswer<String> p = ParsedAnswer.read(completion, AnswerParser::choice);
        double accuracy = p.value() != null && p.value().toLowerCase(Locale.ROOT).equals(gt.toLowerCase(Locale.ROOT)) ? 1 : 0;
        Map<String, Double> parts = new LinkedHashMap<>();
        parts.put(Reward.FORMAT, p.format());
        parts.put(Reward.ACCURACY, accuracy);
        return new Reward(cfg.formatWeight() * p.format() + cfg.choiceWeight() * accuracy, parts, p.reason());
    }
}
