package rft3d.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import rft3d.data.Answers;
import rft3d.data.SceneGenerator;

/**
 * A tokenizer for the answer grammar: special tokens, the envelope tags, JSON pieces of the box format,
 * class labels and prompt words, every grid number of {@link Answers} as one token, small integers, and
 * every printable ASCII character as a fallback, so any text encodes. Encoding is greedy longest match;
 * decoding concatenates pieces and drops special tokens.
 */
public final class Tokenizer {
    public static final int PAD = 0, BOS = 1, EOS = 2, UNK = 3;
    private static final List<String> SPECIAL = List.of("<pad>", "<bos>", "<eos>", "<unk>");
    private static final List<String> PIECES = List.of("<think>", "</think>", "<answer>", "</answer>",
            "{\"label\": \"", "\", \"bbox_3d\": [", "]}", ", ", "[", "]", "{\"frame\": ", ", \"bbox_3d\": [", "}", "[\n", ",\n", "\n]", "\n");
    private static final List<String> WORDS = List.of("detect", "all", "objects", "find", "the", "how", "many", "are",
            "there", "I", "see", "counting", "is", "best", "seen", "in", "frame", "far", "from", "tall", "left", "or", "right", "of",
            "measuring", "distance", "height", "comparing", "positions", " ");

    private final List<String> pieces = new ArrayList<>();
    private final Map<String, Integer> ids = new HashMap<>();
    private final int maxPieceLength;
    private final int answerClose, thinkClose;

    public Tokenizer() {
        Set<String> all = new LinkedHashSet<>(SPECIAL);
        all.addAll(PIECES);
        all.addAll(SceneGenerator.labels());
        all.addAll(WORDS);
        int steps = (int) Math.round(2 * Answers.RANGE / Answers.GRID);
        for (int i = 0; i <= steps; i++) all.add(Answers.number(-Answers.RANGE + i * Answers.GRID));
        for (int i = 0; i <= 20; i++) all.add(Integer.toString(i));
        for (char c = 32; c < 127; c++) all.add(String.valueOf(c));
        int longest = 0;
        for (String p : all) {
            ids.put(p, pieces.size());
            pieces.add(p);
            longest = Math.max(longest, p.length());
        }
        maxPieceLength = longest;
        answerClose = ids.get("</answer>");
        thinkClose = ids.get("</think>");
    }

    public int vocabSize() {
        return pieces.size();
    }

    /** The ids of the grid numbers of {@link Answers}, in increasing order of value. */
    public int[] gridNumbers() {
        int steps = (int) Math.round(2 * Answers.RANGE / Answers.GRID);
        int[] out = new int[steps + 1];
        for (int i = 0; i <= steps; i++) out[i] = ids.get(Answers.number(-Answers.RANGE + i * Answers.GRID));
        return out;
    }

    /** The token that ends an answer; generation stops after it. */
    public int answerClose() {
        return answerClose;
    }

    /** The token that ends the think part of a completion. */
    public int thinkClose() {
        return thinkClose;
    }

    /** Greedy longest-match encoding; characters outside the vocabulary become {@link #UNK}. */
    public int[] encode(String text) {
        List<Integer> out = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int len = Math.min(maxPieceLength, text.length() - i);
            Integer id = null;
            for (; len > 0; len--) {
                id = ids.get(text.substring(i, i + len));
                if (id != null && id >= SPECIAL.size()) break;
                id = null;
            }
            if (id == null) {
                out.add(UNK);
                i++;
            } else {
                out.add(id);
                i += len;
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Each id's text as {@link #decode} writes it ("" for the special tokens): what a reward engine needs to
     * read answers straight from token ids ({@code RewardEngine.scoreTokens}).
     */
    public List<String> decodedPieces() {
        List<String> out = new ArrayList<>(pieces);
        for (int i = 0; i < SPECIAL.size(); i++) out.set(i, "");
        return out;
    }

    /** The text of tokens, special tokens dropped. */
    public String decode(int[] tokens) {
        StringBuilder sb = new StringBuilder();
        for (int t : tokens) {
            if (t >= SPECIAL.size() && t < pieces.size()) sb.append(pieces.get(t));
        }
        return sb.toString();
    }
}
