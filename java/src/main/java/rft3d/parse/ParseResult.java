package rft3d.parse;

import java.util.List;

/**
 * The outcome of parsing one model answer: the value (null when nothing usable was found) and every
 * problem met on the way, so a reward of 0 always comes with its reason and partial answers (some bad
 * boxes among good ones) keep their good part.
 */
public record ParseResult<T>(T value, List<String> problems) {
    public ParseResult {
        problems = List.copyOf(problems);
    }

    /** A usable value with no problems. */
    public static <T> ParseResult<T> of(T value) {
        return new ParseResult<>(value, List.of());
    }

    /** No usable value, for the given reason. */
    public static <T> ParseResult<T> failure(String reason) {
        return new ParseResult<>(null, List.of(reason));
    }

    /** True when a usable value was found (possibly with problems in parts of it). */
    public boolean ok() {
        return value != null;
    }

    /** The problems joined into one line, or "" when there were none. */
    public String reason() {
        return String.join("; ", problems);
    }
}
