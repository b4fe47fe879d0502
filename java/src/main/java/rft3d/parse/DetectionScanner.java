package rft3d.parse;

import com.fasterxml.jackson.core.io.NumberInput;
import java.util.ArrayList;
import java.util.List;

/**
 * The fast path for detection answers: one pass over the text, no JSON tree, for answers in the exact
 * grammar a model writes — a JSON list of objects with the keys {@code "label"} (a string without escapes)
 * and {@code "bbox_3d"} (6, 7 or 9 finite JSON numbers), in either order, nothing else. Anything outside
 * that grammar returns null, and the caller uses the tolerant {@link AnswerParser#detections}; inside it,
 * the result is exactly what that parser and {@link VgllmAnswers#detections} give (a test holds them equal).
 */
public final class DetectionScanner {
    private DetectionScanner() {}

    /**
     * A scanned answer.
     *
     * @param labels each object's label, stripped
     * @param boxes the numbers of each box, 6, 7 or 9 of them
     * @param onOwnLine how many objects stand alone on their line (what VG-LLM's line reader reads)
     */
    public record Scan(List<String> labels, List<double[]> boxes, int onOwnLine) {}

    /** The scan of an answer in the model's grammar, or null for anything else. */
    public static Scan scan(String text) {
        Cursor c = new Cursor(text);
        c.space();
        if (!c.take('[')) return null;
        List<String> labels = new ArrayList<>();
        List<double[]> boxes = new ArrayList<>();
        int onOwnLine = 0;
        c.space();
        if (!c.take(']')) {
            while (true) {
                int start = c.pos;
                if (!object(c, labels, boxes)) return null;
                if (aloneOnLine(c.text, start, c.pos)) onOwnLine++;
                if (labels.size() > AnswerParser.MAX_BOXES) return null;
                c.space();
                if (c.take(']')) break;
                if (!c.take(',')) return null;
                c.space();
            }
        }
        c.space();
        return c.pos == text.length() ? new Scan(labels, boxes, onOwnLine) : null;
    }

    /** {@code {"label": "...", "bbox_3d": [...]}} with the two keys in either order. */
    private static boolean object(Cursor c, List<String> labels, List<double[]> boxes) {
        if (!c.take('{')) return false;
        String label = null;
        double[] box = null;
        for (int k = 0; k < 2; k++) {
            c.space();
            if (k == 1 && !(c.take(',') && c.space())) return false;
            String key = c.string();
            c.space();
            if (key == null || !c.take(':')) return false;
            c.space();
            if (key.equals("label") && label == null) {
                label = c.string();
                if (label == null || label.isBlank()) return false;
            } else if (key.equals("bbox_3d") && box == null) {
                box = numbers(c);
                if (box == null) return false;
            } else {
                return false;
            }
        }
        c.space();
        if (!c.take('}')) return false;
        labels.add(label.strip());
        boxes.add(box);
        return true;
    }

    private static double[] numbers(Cursor c) {
        if (!c.take('[')) return null;
        double[] v = new double[9];
        int n = 0;
        c.space();
        while (true) {
            if (n == 9) return null;
            int start = c.pos;
            boolean integer = c.number();
            if (c.pos == start) return null;
            v[n] = c.value(start, integer);
            if (!Double.isFinite(v[n++])) return null;
            c.space();
            if (c.take(']')) break;
            if (!c.take(',')) return null;
            c.space();
        }
        return n == 6 || n == 7 || n == 9 ? java.util.Arrays.copyOf(v, n) : null;
    }

    /**
     * Whether the object at {@code [start, end)} is all its line holds but for whitespace and commas
     * (threedod_process_results strips both and evaluates the line).
     */
    private static boolean aloneOnLine(char[] text, int start, int end) {
        for (int i = start - 1; i >= 0 && text[i] != '\n'; i--) {
            if (!isSpaceOrComma(text[i])) return false;
        }
        for (int i = start; i < end; i++) {
            if (text[i] == '\n') return false;
        }
        for (int i = end; i < text.length && text[i] != '\n'; i++) {
            if (!isSpaceOrComma(text[i])) return false;
        }
        return true;
    }

    private static boolean isSpaceOrComma(char ch) {
        return ch == ' ' || ch == '\t' || ch == '\r' || ch == ',';
    }

    private static final class Cursor {
        final char[] text;
        int pos;

        Cursor(String text) {
            this.text = text.toCharArray(); // plain array reads: much cheaper than charAt before the JIT's last tier
        }

        /** Skips JSON whitespace; always true (for chaining). */
        boolean space() {
            while (pos < text.length) {
                char ch = text[pos];
                if (ch != ' ' && ch != '\n' && ch != '\t' && ch != '\r') break;
                pos++;
            }
            return true;
        }

        boolean take(char ch) {
            if (pos < text.length && text[pos] == ch) {
                pos++;
                return true;
            }
            return false;
        }

        /** A double-quoted string without escapes or control characters, or null. */
        String string() {
            if (!take('"')) return null;
            int start = pos;
            while (pos < text.length) {
                char ch = text[pos];
                if (ch == '"') return new String(text, start, pos++ - start);
                if (ch == '\\' || ch < 0x20) return null;
                pos++;
            }
            return null;
        }

        /**
         * A strict JSON number, -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, of at most 64 characters.
         * Returns whether it is an integer literal; on anything else the position is reset (no number).
         */
        boolean number() {
            int start = pos;
            take('-');
            boolean ok = take('0') ? digits() == 0 : digits() > 0; // no leading zeros
            boolean integer = true;
            if (ok && take('.')) {
                integer = false;
                ok = digits() > 0;
            }
            if (ok && (take('e') || take('E'))) {
                integer = false;
                if (!take('+')) take('-');
                ok = digits() > 0;
            }
            if (!ok || pos - start > 64) {
                pos = start;
                return false;
            }
            return integer;
        }

        /** The characters of a number on its way to Jackson's parser. */
        private final char[] numberChars = new char[64];

        /** 10^0 … 10^22, every one exact as a double. */
        private static final double[] POW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
            1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

        /**
         * The double Jackson's tree gives for the number at {@code [start, pos)}: an integer literal becomes a
         * long or BigInteger node first (so "-0" is 0.0, not −0.0), a decimal one is parsed directly; both
         * correctly rounded. A decimal of at most 17 significant digits below 2^53 with a power of ten up to
         * 22 is one correctly rounded multiply or divide (Clinger's fast path, as the GPU's scan reads it);
         * any other goes to Jackson's parser. No string is made for the usual number.
         */
        double value(int start, boolean integer) {
            boolean neg = text[start] == '-';
            int i = neg ? start + 1 : start;
            if (integer) {
                if (pos - start > 18) return new java.math.BigInteger(new String(text, start, pos - start)).doubleValue();
                long w = 0;
                for (; i < pos; i++) w = 10 * w + (text[i] - '0');
                return neg ? -w : w; // a long first: "-0" is 0.0
            }
            long w = 0;
            int significant = 0, e10 = 0;
            for (; i < pos && isDigit(text[i]); i++) {
                if (significant > 0 || text[i] != '0') significant++;
                if (significant <= 17) w = 10 * w + (text[i] - '0');
            }
            if (i < pos && text[i] == '.') {
                for (i++; i < pos && isDigit(text[i]); i++) {
                    if (significant > 0 || text[i] != '0') significant++;
                    if (significant <= 17) {
                        w = 10 * w + (text[i] - '0');
                        e10--;
                    }
                }
            }
            if (i < pos) { // the exponent
                i++;
                int sign = text[i] == '-' ? -1 : 1;
                if (text[i] == '-' || text[i] == '+') i++;
                int e = 0;
                for (; i < pos && e <= 400; i++) e = 10 * e + (text[i] - '0');
                e10 += sign * e;
            }
            if (significant > 17 || w > (1L << 53) || e10 < -22 || e10 > 22) {
                System.arraycopy(text, start, numberChars, 0, pos - start); // at most 64 characters
                return NumberInput.parseDouble(numberChars, 0, pos - start, true);
            }
            double d = e10 >= 0 ? w * POW10[e10] : w / POW10[-e10];
            return neg ? -d : d;
        }

        private static boolean isDigit(char ch) {
            return ch >= '0' && ch <= '9';
        }

        private int digits() {
            int n = 0;
            while (pos < text.length && text[pos] >= '0' && text[pos] <= '9') {
                pos++;
                n++;
            }
            return n;
        }
    }
}
