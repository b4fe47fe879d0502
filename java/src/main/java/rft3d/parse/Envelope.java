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

    /**
     * Splits a completion; never throws (null reads as the empty string). One pass finds every tag (the
     * text's only '<' characters, in a model's answer), so a long answer is read about twice, not ten times;
     * cuda-kernels/answer_scan.cuh reads it the same way on the GPU.
     */
    public static Envelope of(String completion) {
        String raw = completion == null ? "" : completion;
        String text = raw.strip();
        int thinkOpen = -1, thinkClose = -1, thinkOpens = 0, thinkCloses = 0, answerOpens = 0, answerCloses = 0;
        int lastAnswerOpen = -1, closeAfterLast = -1;
        for (int i = text.indexOf('<'); i >= 0; i = text.indexOf('<', i + 1)) {
            if (text.startsWith(THINK_OPEN, i)) {
                if (thinkOpens++ == 0) thinkOpen = i;
            } else if (text.startsWith(THINK_CLOSE, i)) {
                if (thinkCloses++ == 0) thinkClose = i;
            } else if (text.startsWith(ANSWER_OPEN, i)) {
                answerOpens++;
                lastAnswerOpen = i;
                closeAfterLast = -1;
            } else if (text.startsWith(ANSWER_CLOSE, i)) {
                answerCloses++;
                if (lastAnswerOpen >= 0 && closeAfterLast < 0) closeAfterLast = i;
            }
        }
        // The last <answer> block (to the first </answer> after it), stripped; else the raw text, untouched:
        // benchmark readers see the raw text (VSI-Bench splits it on ' ' as is).
        boolean hasAnswer = lastAnswerOpen >= 0 && closeAfterLast >= 0;
        String answer = hasAnswer ? text.substring(lastAnswerOpen + ANSWER_OPEN.length(), closeAfterLast).strip() : raw;
        String think = thinkOpen >= 0 && thinkClose > thinkOpen ? text.substring(thinkOpen + THINK_OPEN.length(), thinkClose) : null;
        // Well formed: exactly one of each tag, the think block first, only whitespace before the answer block.
        boolean wellFormed = text.startsWith(THINK_OPEN) && text.endsWith(ANSWER_CLOSE) && thinkClose >= 0 && thinkOpens == 1
                && thinkCloses == 1 && answerOpens == 1 && answerCloses == 1
                && text.startsWith(ANSWER_OPEN, skipWhitespace(text, thinkClose + THINK_CLOSE.length()));
        return new Envelope(think, answer, wellFormed, hasAnswer);
    }

    /** The first index at or after {@code i} that is not whitespace (as {@link String#stripLeading} sees it). */
    private static int skipWhitespace(String t, int i) {
        while (i < t.length()) {
            int cp = t.codePointAt(i);
            if (!Character.isWhitespace(cp)) break;
            i += Character.charCount(cp);
        }
        return i;
    }
}
