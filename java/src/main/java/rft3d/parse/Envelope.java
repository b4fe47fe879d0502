package rft3d.parse;

/**
 * The {@code <think>…</think><answer>…</answer>} envelope of a completion.
 *
 * <p>{@link #wellFormed()} is the format reward's test: after trimming, the text is exactly one think
 * block followed (after optional whitespace) by exactly one answer block. The answer is taken from the
 * last {@code <answer>} block when there is one (stripped); otherwise the whole completion, untouched, is
 * the answer, so an answer without the envelope still earns its task reward and loses only the format
 * reward.
 */
public record Envelope(String think, String answer, boolean wellFormed, boolean hasAnswerTag) {
    private static final String THINK_OPEN = "<think>", THINK_CLOSE = "</think>";
    private static final String ANSWER_OPEN = "<answer>", ANSWER_CLOSE = "</answer>";

    /** Splits a completion; never throws (null reads as the empty string). */
    public static Envelope of(String completion) {
        String raw = completion == null ? "" : completion;
        String text = raw.strip();
        String answer = raw; // untouched: benchmark readers see the raw text (VSI-Bench splits it on ' ' as is)
        boolean hasAnswer = false;
        int open = text.lastIndexOf(ANSWER_OPEN);
        if (open >= 0) {
            int close = text.indexOf(ANSWER_CLOSE, open);
            if (close >= 0) {
                answer = text.substring(open + ANSWER_OPEN.length(), close).strip();
                hasAnswer = true;
            }
        }
        String think = null;
        int thinkOpen = text.indexOf(THINK_OPEN);
        int thinkClose = text.indexOf(THINK_CLOSE);
        if (thinkOpen >= 0 && thinkClose > thinkOpen) {
            think = text.substring(thinkOpen + THINK_OPEN.length(), thinkClose);
        }
        return new Envelope(think, answer, isWellFormed(text), hasAnswer);
    }

    private static boolean isWellFormed(String t) {
        if (!t.startsWith(THINK_OPEN) || !t.endsWith(ANSWER_CLOSE)) return false;
        int thinkClose = t.indexOf(THINK_CLOSE);
        if (thinkClose < 0 || count(t, THINK_OPEN) != 1 || count(t, THINK_CLOSE) != 1) return false;
        if (count(t, ANSWER_OPEN) != 1 || count(t, ANSWER_CLOSE) != 1) return false;
        String between = t.substring(thinkClose + THINK_CLOSE.length());
        return between.stripLeading().startsWith(ANSWER_OPEN);
    }

    private static int count(String t, String tag) {
        int n = 0;
        for (int i = t.indexOf(tag); i >= 0; i = t.indexOf(tag, i + tag.length())) n++;
        return n;
    }
}
