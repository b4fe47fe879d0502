package rft3d.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Streams a JSON-lines file one object at a time. Lines that are too long, not JSON or not an object
 * are reported (with their line number) instead of stopping the run or vanishing silently.
 */
public final class Jsonl {
    private Jsonl() {}

    /** Longest line read (64 Mi characters); longer lines are skipped and reported. */
    public static final int MAX_LINE_CHARS = 64 << 20;

    static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * Calls {@code each(lineNumber, object)} for every good line; bad lines go to {@code errors}.
     *
     * @throws IOException when the file cannot be read at all
     */
    public static void forEach(Path file, BiConsumer<Integer, JsonNode> each, List<String> errors) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            forEach(r, file.toString(), each, errors);
        }
    }

    /** As {@link #forEach(Path, BiConsumer, List)}, from any reader. */
    public static void forEach(Reader r, String name, BiConsumer<Integer, JsonNode> each, List<String> errors) throws IOException {
        forEach(r, name, each, (line, message) -> errors.add(message));
    }

    /**
     * Calls {@code each(lineNumber, object)} for every good line and {@code bad(lineNumber, message)} for
     * every bad one, in file order (for outputs that must stay aligned with their input lines).
     */
    public static void forEach(Path file, BiConsumer<Integer, JsonNode> each, BiConsumer<Integer, String> bad) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            forEach(r, file.toString(), each, bad);
        }
    }

    private static void forEach(Reader r, String name, BiConsumer<Integer, JsonNode> each, BiConsumer<Integer, String> bad) throws IOException {
        StringBuilder line = new StringBuilder();
        int lineNo = 0;
        boolean tooLong = false;
        int c;
        do {
            c = r.read();
            if (c != '\n' && c != -1) {
                if (line.length() < MAX_LINE_CHARS) line.append((char) c);
                else tooLong = true;
                continue;
            }
            lineNo++;
            if (tooLong) {
                bad.accept(lineNo, name + ":" + lineNo + ": line longer than " + MAX_LINE_CHARS + " characters, skipped");
            } else if (!line.toString().isBlank()) {
                parseLine(line.toString(), name, lineNo, each, bad);
            }
            line.setLength(0);
            tooLong = false;
        } while (c != -1);
    }

    private static void parseLine(String text, String name, int lineNo, BiConsumer<Integer, JsonNode> each, BiConsumer<Integer, String> bad) {
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (IOException e) {
            bad.accept(lineNo, name + ":" + lineNo + ": not JSON (" + firstLine(e.getMessage()) + ")");
            return;
        }
        if (node == null || !node.isObject()) {
            bad.accept(lineNo, name + ":" + lineNo + ": not a JSON object");
            return;
        }
        each.accept(lineNo, node);
    }

    static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
