package rft3d.parse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;

/**
 * One line read as VG-LLM's evaluators read it, with Python's {@code eval}: the literals an answer can
 * hold — dicts, lists, tuples (as lists), strings in single or double quotes, ints (also 0x, 0o, 0b),
 * floats, unary signs, {@code True}, {@code False}, {@code None} — into a JSON tree (tuples as
 * {@link Tuple}). What {@code eval}
 * would reject is rejected ({@code null}, {@code true}, {@code nan} are undefined names there, so such a
 * line is dropped upstream too); what it would compute (arithmetic, calls) is also rejected here, the one
 * place this departs, for text no answer grammar produces. A dict key that is not a string becomes a key
 * no field name can equal.
 */
public final class PythonLiteral {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final int MAX_DEPTH = 64;

    private final String s;
    private int pos, depth;

    private PythonLiteral(String s) {
        this.s = s;
    }

    /**
     * The value of a whole line.
     *
     * @throws IllegalArgumentException where Python's {@code eval} would raise (or compute)
     */
    public static JsonNode eval(String line) {
        PythonLiteral p = new PythonLiteral(line);
        JsonNode v = p.value();
        p.skipSpace();
        if (p.pos != p.s.length()) throw p.error("unexpected text");
        return v;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at column " + (pos + 1));
    }

    private void skipSpace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\f' || c == '\r' || c == '\n') pos++;
            else if (c == '#') pos = s.length(); // a comment runs to the end of the line
            else break;
        }
    }

    private JsonNode value() {
        skipSpace();
        if (pos >= s.length()) throw error("missing value");
        if (++depth > MAX_DEPTH) throw error("nesting too deep");
        try {
            char c = s.charAt(pos);
            return switch (c) {
                case '{' -> dict();
                case '[' -> sequence('[', ']');
                case '(' -> parenthesized();
                case '"', '\'' -> F.textNode(string());
                case '+', '-' -> signed();
                default -> (c >= '0' && c <= '9') || c == '.' ? number(false) : name();
            };
        } finally {
            depth--;
        }
    }

    private JsonNode dict() {
        pos++; // {
        ObjectNode o = F.objectNode();
        skipSpace();
        while (pos < s.length() && s.charAt(pos) != '}') {
            JsonNode key = value();
            skipSpace();
            if (pos >= s.length() || s.charAt(pos) != ':') throw error("expected ':'");
            pos++;
            JsonNode v = value();
            o.set(key.isTextual() ? key.asText() : "\u0000" + key, v); // the last duplicate wins, as in Python
            if (!separator('}')) break;
        }
        expect('}');
        return o;
    }

    /** A Python tuple: a JSON array that remembers it was not a list ({@code isinstance(x, list)} fails). */
    @SuppressWarnings("unchecked") // Jackson's own ArrayNode.deepCopy() override, inherited as is
    public static final class Tuple extends ArrayNode {
        Tuple() {
            super(F);
        }
    }

    private ArrayNode sequence(char open, char close) {
        pos++; // open
        ArrayNode a = open == '(' ? new Tuple() : F.arrayNode();
        skipSpace();
        while (pos < s.length() && s.charAt(pos) != close) {
            a.add(value());
            if (!separator(close)) break;
        }
        expect(close);
        return a;
    }

    /** {@code (x)} is x; {@code (x,)} and {@code (x, y)} are tuples, read as lists. */
    private JsonNode parenthesized() {
        int start = pos;
        pos++;
        skipSpace();
        if (pos < s.length() && s.charAt(pos) == ')') {
            pos++;
            return new Tuple();
        }
        JsonNode first = value();
        skipSpace();
        if (pos < s.length() && s.charAt(pos) == ')') {
            pos++;
            return first;
        }
        pos = start;
        return sequence('(', ')');
    }

    /** After an element: true at a comma (another may follow), false at the closing bracket. */
    private boolean separator(char close) {
        skipSpace();
        if (pos < s.length() && s.charAt(pos) == ',') {
            pos++;
            skipSpace();
            return true;
        }
        if (pos < s.length() && s.charAt(pos) == close) return false;
        throw error("expected ',' or '" + close + "'");
    }

    private void expect(char c) {
        skipSpace();
        if (pos >= s.length() || s.charAt(pos) != c) throw error("expected '" + c + "'");
        pos++;
    }

    private JsonNode signed() {
        boolean negative = false;
        while (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
            negative ^= s.charAt(pos) == '-';
            pos++;
            skipSpace();
        }
        if (pos >= s.length()) throw error("missing number");
        char c = s.charAt(pos);
        if ((c >= '0' && c <= '9') || c == '.') return number(negative);
        JsonNode v = name();
        if (v.isBoolean()) return F.numberNode(negative ? -(v.asBoolean() ? 1 : 0) : (v.asBoolean() ? 1 : 0)); // -True is -1
        throw error("sign before a non-number");
    }

    private JsonNode number(boolean negative) {
        int start = pos;
        while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_' || s.charAt(pos) == '.'
                || ((s.charAt(pos) == '+' || s.charAt(pos) == '-') && (s.charAt(pos - 1) == 'e' || s.charAt(pos - 1) == 'E')))) {
            pos++;
        }
        String t = s.substring(start, pos);
        if (!t.chars().allMatch(ch -> ch < 128)) throw error("bad number " + t); // Python source digits are ASCII
        String lower = t.toLowerCase(java.util.Locale.ROOT);
        if (lower.length() > 2 && lower.charAt(0) == '0' && "xob".indexOf(lower.charAt(1)) >= 0) {
            int radix = lower.charAt(1) == 'x' ? 16 : lower.charAt(1) == 'o' ? 8 : 2;
            String digits = lower.substring(2).replace("_", "");
            if (digits.isEmpty() || lower.contains("__") || lower.endsWith("_")) throw error("bad number " + t);
            try {
                BigInteger v = new BigInteger(digits, radix);
                return F.numberNode(negative ? v.negate() : v);
            } catch (NumberFormatException e) {
                throw error("bad number " + t);
            }
        }
        boolean integer = lower.chars().allMatch(ch -> Character.isDigit(ch) || ch == '_');
        if (integer) {
            String digits = t.replace("_", "");
            // Python 3 has no octal-looking decimals: 007 is a syntax error, 000 is 0.
            if (digits.length() > 1 && digits.charAt(0) == '0' && !digits.chars().allMatch(ch -> ch == '0')) throw error("bad number " + t);
            if (PythonFloat.parse(t) == null) throw error("bad number " + t); // underscore placement
            BigInteger v = new BigInteger(digits);
            return F.numberNode(negative ? v.negate() : v);
        }
        if (lower.contains("inf") || lower.contains("nan")) throw error("bad number " + t); // names, not literals
        Double v = PythonFloat.parse(t);
        if (v == null) throw error("bad number " + t);
        return F.numberNode(negative ? -v : v);
    }

    private JsonNode name() {
        int start = pos;
        while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) pos++;
        String n = s.substring(start, pos);
        return switch (n) {
            case "True" -> F.booleanNode(true);
            case "False" -> F.booleanNode(false);
            case "None" -> F.nullNode();
            default -> {
                pos = start;
                throw error(n.isEmpty() ? "unexpected character '" + s.charAt(pos) + "'" : "name '" + n + "' is not defined");
            }
        };
    }

    private String string() {
        char quote = s.charAt(pos);
        boolean triple = s.startsWith(String.valueOf(quote).repeat(3), pos);
        pos += triple ? 3 : 1;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) throw error("unterminated string");
            char c = s.charAt(pos);
            if (c == quote && (!triple || s.startsWith(String.valueOf(quote).repeat(3), pos))) {
                pos += triple ? 3 : 1;
                break;
            }
            if (c == '\n' && !triple) throw error("unterminated string");
            if (c != '\\') {
                sb.append(c);
                pos++;
                continue;
            }
            if (pos + 1 >= s.length()) throw error("unterminated string");
            char e = s.charAt(pos + 1);
            pos += 2;
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'v' -> sb.append('\u000b');
                case 'a' -> sb.append('\u0007');
                case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                    int end = pos - 1;
                    while (end < s.length() && end < pos + 2 && s.charAt(end) >= '0' && s.charAt(end) <= '7') end++;
                    sb.append((char) Integer.parseInt(s.substring(pos - 1, end), 8));
                    pos = end;
                }
                case 'x' -> sb.append(hex(2));
                case 'u' -> sb.append(hex(4));
                case 'U' -> sb.appendCodePoint(Integer.parseInt(hexDigits(8), 16));
                case '\n' -> { } // line continuation inside a string
                case '\\', '\'', '"' -> sb.append(e);
                default -> sb.append('\\').append(e); // Python keeps unknown escapes as written
            }
        }
        return sb.toString();
    }

    private char hex(int n) {
        return (char) Integer.parseInt(hexDigits(n), 16);
    }

    private String hexDigits(int n) {
        if (pos + n > s.length()) throw error("truncated escape");
        String h = s.substring(pos, pos + n);
        if (!h.chars().allMatch(c -> Character.digit(c, 16) >= 0)) throw error("bad escape");
        pos += n;
        return h;
    }
}
