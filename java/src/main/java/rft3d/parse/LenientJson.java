package rft3d.parse;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON reading for model output, as tolerant as the benchmarks' evaluators (which {@code eval} each
 * line as a Python literal): single quotes, trailing commas, NaN tokens (rejected later with a reason)
 * and code fences are accepted; nesting and number length are bounded so hostile input costs little.
 */
public final class LenientJson {
    private LenientJson() {}

    /** Deepest nesting accepted; answers never need more than a few levels. */
    static final int MAX_DEPTH = 64;

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_SINGLE_QUOTES, JsonReadFeature.ALLOW_TRAILING_COMMA,
                    JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS, JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS,
                    JsonReadFeature.ALLOW_LEADING_DECIMAL_POINT_FOR_NUMBERS, JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_DEPTH).maxNumberLength(400).maxStringLength(16 << 20).build());
    }

    /** Parses the whole text as one JSON value, or returns null with the reason added to problems. */
    static JsonNode parse(String text, List<String> problems) {
        try {
            JsonParser p = MAPPER.getFactory().createParser(text);
            JsonNode node = MAPPER.readTree(p);
            if (node == null || p.nextToken() != null) {
                problems.add(node == null ? "no JSON value" : "text after the JSON value");
                return null;
            }
            return node;
        } catch (Exception | StackOverflowError e) {
            problems.add("invalid JSON: " + firstLine(e.getMessage()));
            return null;
        }
    }

    /** The content of the first ``` fence (language tag dropped; an unclosed fence runs to the end). */
    static String stripFences(String text) {
        int open = text.indexOf("```");
        if (open < 0) return text.strip();
        int bodyStart = text.indexOf('\n', open);
        int close = text.indexOf("```", open + 3);
        if (bodyStart < 0 || (close >= 0 && close < bodyStart)) {
            // ```json [..] ``` on one line: drop a language tag made of letters.
            int s = open + 3;
            while (s < text.length() && Character.isLetter(text.charAt(s))) s++;
            return text.substring(s, close < 0 ? text.length() : close).strip();
        }
        return text.substring(bodyStart + 1, close < 0 ? text.length() : close).strip();
    }

    /**
     * Every outermost {@code {…}} in the text, found by brace matching outside of strings: the
     * fallback when the text as a whole is not valid JSON (truncated lists, prose around objects).
     */
    static List<String> objectSpans(String text, int limit) {
        List<String> spans = new ArrayList<>();
        int depth = 0, start = -1;
        char quote = 0;
        for (int i = 0; i < text.length() && spans.size() < limit; i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == '\\') i++;
                else if (c == quote) quote = 0;
            } else if ((c == '"' || c == '\'') && depth > 0) {
                quote = c; // outside objects, quotes are prose ("here's the list")
            } else if (c == '{') {
                if (depth++ == 0) start = i;
            } else if (c == '}' && depth > 0) {
                if (--depth == 0) spans.add(text.substring(start, i + 1));
            }
        }
        return spans;
    }

    static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}
