package rft3d.reward;

import java.util.function.Function;
import rft3d.parse.Envelope;
import rft3d.parse.ParseResult;

/**
 * A completion read for one task: the format reward (1 when the envelope is well formed and the answer
 * parsed without any problem), the parsed value (null when unusable) and the reasons.
 */
public record ParsedAnswer<T>(double format, T value, String reason) {
    static final String NO_ENVELOPE = "no <think>…</think><answer>…</answer> envelope";

    /** Splits the envelope and parses its answer; never throws. */
    public static <T> ParsedAnswer<T> read(String completion, Function<String, ParseResult<T>> parser) {
        Envelope env = Envelope.of(completion);
        return of(env, parser.apply(env.answer()));
    }

    /** A completion's envelope with its parsed answer. */
    static <T> ParsedAnswer<T> of(Envelope env, ParseResult<T> r) {
        return of(env.wellFormed(), r);
    }

    /** An answer parsed from an envelope that is or is not well formed. */
    static <T> ParsedAnswer<T> of(boolean wellFormed, ParseResult<T> r) {
        double format = wellFormed && r.ok() && r.problems().isEmpty() ? 1 : 0;
        String reason = wellFormed ? r.reason() : join(NO_ENVELOPE, r.reason());
        return new ParsedAnswer<>(format, r.value(), reason);
    }

    /** Two reasons as one, skipping empty ones. */
    static String join(String a, String b) {
        if (a.isEmpty()) return b;
        return b.isEmpty() ? a : a + "; " + b;
    }
}
