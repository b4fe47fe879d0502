package rft3d.reward;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import rft3d.grpo.AdvantageOptions;

/**
 * Scores whole batches of completions. Implementations are thread-safe and give the same rewards
 * (the CPU engine is the reference the GPU engine is tested against).
 */
public interface RewardEngine extends AutoCloseable {
    /**
     * Rewards of {@code completions[i]} against {@code gts[i]}, in order.
     *
     * @param task a name from {@link Tasks#NAMES}
     * @throws IllegalArgumentException for an unknown task, lists of different lengths, or a bad ground
     *     truth (the message names its index and field); bad completions never throw
     */
    List<Reward> score(String task, List<String> completions, List<JsonNode> gts);

    /** Group-relative advantages of consecutive groups of {@code groupSize} rewards. */
    double[] advantages(double[] rewards, int groupSize, AdvantageOptions options);

    /** A short description: "cpu (16 threads)", "cuda: NVIDIA H100 …". */
    String describe();

    /** The weights and thresholds this engine scores with. */
    RewardConfig config();

    @Override
    void close();
}
