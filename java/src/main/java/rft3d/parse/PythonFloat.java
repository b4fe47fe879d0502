package rft3d.parse;

/**
 * Python's {@code float(text)} on an already stripped token, as VSI-Bench's {@code to_float} calls it:
 * an optional sign, then digits with single underscores between them, an optional fraction and exponent
 * ({@code "1_000.5"}, {@code "3."}, {@code ".5e-2"}), or {@code inf}, {@code infinity}, {@code nan} in any
 * case. Unicode decimal digits count, as in Python. Anything else is not a float.
 */
public final class PythonFloat {
    private PythonFloat() {}

    /** The value, or null where Python's {@code float()} raises. */
    public static Double parse(String s) {
        if (s == null || s.isEmpty()) return null;
        int i = 0;
        boolean negative = false;
        if (s.charAt(0) == '+' || s.charAt(0) == '-') {
            negative = s.charAt(0) == '-';
            i = 1;
        }
        String rest = s.substring(i).toLowerCase(java.util.Locale.ROOT);
        if (rest.equals("inf") || rest.equals("infinity")) return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        if (rest.equals("nan")) return Double.NaN;
        StringBuilder ascii = new StringBuilder(s.length()).append(negative ? "-" : "");
        int[] pos = {i};
        int intDigits = digitPart(s, pos, ascii);
        int fracDigits = 0;
        if (pos[0] < s.length() && s.charAt(pos[0]) == '.') {
            ascii.append('.');
            pos[0]++;
            fracDigits = digitPart(s, pos, ascii);
        }
        if (intDigits < 0 || fracDigits < 0 || intDigits + fracDigits == 0) return null;
        if (pos[0] < s.length() && (s.charAt(pos[0]) == 'e' || s.charAt(pos[0]) == 'E')) {
            ascii.append('e');
            pos[0]++;
            if (pos[0] < s.length() && (s.charAt(pos[0]) == '+' || s.charAt(pos[0]) == '-')) ascii.append(s.charAt(pos[0]++));
            if (digitPart(s, pos, ascii) <= 0) return null;
        }
        if (pos[0] != s.length()) return null;
        return Double.parseDouble(ascii.toString()); // correctly rounded, as Python's
    }

    /**
     * Reads {@code digit (["_"] digit)*} from {@code pos}, appending ASCII digits; returns how many digits
     * were read (0 for none), or −1 for a misplaced underscore.
     */
    private static int digitPart(String s, int[] pos, StringBuilder out) {
        int n = 0;
        while (pos[0] < s.length()) {
            char c = s.charAt(pos[0]);
            if (c == '_') {
                if (n == 0 || pos[0] + 1 >= s.length() || Character.digit(s.charAt(pos[0] + 1), 10) < 0) return -1;
                pos[0]++;
                continue;
            }
            int d = Character.digit(c, 10);
            if (d < 0 || !Character.isDigit(c)) break;
            out.append((char) ('0' + d));
            n++;
            pos[0]++;
        }
        return n;
    }
}
