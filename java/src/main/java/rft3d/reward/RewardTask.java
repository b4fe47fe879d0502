package rft3d.reward;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One kind of verifiable reward. A task reads its ground truth from JSON (the schemas are in README.md)
 * and scores a completion against it. Scoring never throws: a bad completion gets a low reward with
 * its reason. A bad ground truth is the caller's data error and is rejected by {@link #groundTruth}.
 *
 * @param <G> the parsed ground truth
 */
public interface RewardTask<G> {
    /** The name used on the command line and in the service ("detection", "grounding", "mc", "numeric"). */
    String name();

    /**
     * Parses one ground-truth object.
     *
     * @throws IllegalArgumentException naming the bad field
     */
    G groundTruth(JsonNode gt);

    /** Scores one completion (the whole model output, envelope included). */
    Reward score(String completion, G gt);

    /** Parses the ground truth, then scores. */
    default Reward scoreJson(String completion, JsonNode gt) {
        return score(completion, groundTruth(gt));
    }
}
