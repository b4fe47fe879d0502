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

    /**
     * Rewards of completions given as token ids, for a tokenizer whose text is the concatenation of its
     * pieces: token {@code id} reads as {@code pieces.get(id)} ("" for special tokens), and an id outside the
     * list reads as nothing. The same rewards as {@link #score} of the decoded texts; an engine may decode
     * where the tokens are (the GPU engine reads detection answers on the device).
     */
    default List<Reward> scoreTokens(String task, int[][] tokens, List<String> pieces, List<JsonNode> gts) {
        List<String> texts = new java.util.ArrayList<>(tokens.length);
        for (int[] row : tokens) texts.add(text(row, row.length, pieces));
        return score(task, texts, gts);
    }

    /** The text of the first {@code n} ids of {@code ids}: their pieces, ids outside the list adding nothing. */
    static String text(int[] ids, int n, List<String> pieces) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) if (ids[i] >= 0 && ids[i] < pieces.size()) sb.append(pieces.get(ids[i]));
        return sb.toString();
    }

    /** Group-relative advantages of consecutive groups of {@code groupSize} rewards. */
    double[] advantages(double[] rewards, int groupSize, AdvantageOptions options);

    /** A short description: "cpu (16 threads)", "cuda: NVIDIA H100 …". */
    String describe();

    /** The weights and thresholds this engine scores with. */
    RewardConfig config();

    @Override
    void close();
}
