package rft3d.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiConsumer;
import rft3d.parse.Json;

/**
 * Streams a JSON-lines file one object at a time, in bytes, so that one bad line costs only that line:
 * lines that are too long, not UTF-8, not JSON or not an object are reported with their line number
 * instead of stopping the run or vanishing silently.
 */
public final class Jsonl {
    private Jsonl() {}

    /** Longest line read (64 MiB); longer lines are skipped and reported. */
    public static final int MAX_LINE_BYTES = 64 << 20;

    static final ObjectMapper MAPPER = Json.builder().build();

    /**
     * Calls {@code each(lineNumber, object)} for every good line; bad lines go to {@code errors}; blank
     * lines hold nothing and are passed over.
     *
     * @throws IOException when the file cannot be read at all
     */
    public static void forEach(Path file, BiConsumer<Integer, JsonNode> each, List<String> errors) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            forEach(in, file.toString(), each, errors);
        }
    }

    /** As {@link #forEach(Path, BiConsumer, List)}, from any stream. */
    public static void forEach(InputStream in, String name, BiConsumer<Integer, JsonNode> each, List<String> errors) throws IOException {
        BiConsumer<Integer, String> bad = (line, message) -> errors.add(message);
        read(in, name, false, tree(name, each, bad), bad);
    }

    /**
     * Calls {@code each(lineNumber, object)} for every good line and {@code bad(lineNumber, message)} for
     * every other line, blank ones included, in file order: every input line gets exactly one call, so an
     * output written from them stays aligned with the input line by line.
     */
    public static void forEachLine(Path file, BiConsumer<Integer, JsonNode> each, BiConsumer<Integer, String> bad) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            read(in, file.toString(), true, tree(file.toString(), each, bad), bad);
        }
    }

    /** A line that is valid UTF-8 and not blank, as bytes {@code [0, len)}, valid only during the call. */
    @FunctionalInterface
    public interface LineBytes {
        void accept(int lineNo, byte[] bytes, int len);
    }

    /**
     * As {@link #forEachLine}, but good lines arrive as bytes, for callers that read only some fields of
     * each object (with a streaming parser) rather than build its tree.
     */
    public static void forEachLineBytes(Path file, LineBytes each, BiConsumer<Integer, String> bad) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            read(in, file.toString(), true, each, bad);
        }
    }

    /** The prefix of every message about a line: {@code file:line: }. */
    public static String where(String name, int lineNo) {
        return name + ":" + lineNo + ": ";
    }

    /** The message for a line that a JSON parser rejected. */
    public static String notJson(JsonProcessingException e) {
        return "not JSON (" + firstLine(e.getMessage()) + ")";
    }

    private static void read(InputStream in, String name, boolean blankIsBad, LineBytes each, BiConsumer<Integer, String> bad) throws IOException {
        byte[] chunk = new byte[1 << 16];
        byte[] line = new byte[1 << 12];
        int len = 0, lineNo = 0;
        boolean tooLong = false;
        for (int n; (n = in.read(chunk)) >= 0; ) {
            int start = 0;
            while (start < n) {
                int nl = indexOf(chunk, (byte) '\n', start, n);
                int end = nl < 0 ? n : nl, piece = end - start;
                if (tooLong || (long) len + piece > MAX_LINE_BYTES) {
                    tooLong = true;
                } else {
                    if (len + piece > line.length) line = Arrays.copyOf(line, (int) Math.min(MAX_LINE_BYTES, Math.max(len + piece, 2L * line.length)));
                    System.arraycopy(chunk, start, line, len, piece);
                    len += piece;
                }
                if (nl < 0) break;
                line(line, len, tooLong, name, ++lineNo, blankIsBad, each, bad);
                len = 0;
                tooLong = false;
                start = nl + 1;
            }
        }
        if (len > 0 || tooLong) line(line, len, tooLong, name, ++lineNo, blankIsBad, each, bad); // no final newline
    }

    private static int indexOf(byte[] a, byte b, int from, int to) {
        for (int i = from; i < to; i++) if (a[i] == b) return i;
        return -1;
    }

    private static void line(byte[] bytes, int len, boolean tooLong, String name, int lineNo, boolean blankIsBad,
                             LineBytes each, BiConsumer<Integer, String> bad) {
        if (tooLong) {
            bad.accept(lineNo, where(name, lineNo) + "line longer than " + MAX_LINE_BYTES + " bytes, skipped");
            return;
        }
        if (!validUtf8(bytes, len)) {
            bad.accept(lineNo, where(name, lineNo) + "not valid UTF-8, skipped");
            return;
        }
        if (blank(bytes, len)) {
            if (blankIsBad) bad.accept(lineNo, where(name, lineNo) + "blank line");
            return;
        }
        each.accept(lineNo, bytes, len);
    }

    /** Whether the bytes are UTF-8; an all-ASCII line (the usual one) takes one loop. */
    private static boolean validUtf8(byte[] bytes, int len) {
        int i = 0;
        while (i < len && bytes[i] >= 0) i++;
        if (i == len) return true;
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            utf8.decode(ByteBuffer.wrap(bytes, 0, len));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** Blank as String.isBlank sees it; a line of valid UTF-8. */
    private static boolean blank(byte[] bytes, int len) {
        for (int i = 0; i < len; i++) {
            if (bytes[i] < 0) return new String(bytes, 0, len, StandardCharsets.UTF_8).isBlank(); // Unicode spaces too
            if (!Character.isWhitespace(bytes[i])) return false;
        }
        return true;
    }

    private static LineBytes tree(String name, BiConsumer<Integer, JsonNode> each, BiConsumer<Integer, String> bad) {
        return (lineNo, bytes, len) -> {
            JsonNode node;
            try {
                node = MAPPER.readTree(bytes, 0, len);
            } catch (JsonProcessingException e) {
                bad.accept(lineNo, where(name, lineNo) + notJson(e));
                return;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            if (node == null || !node.isObject()) {
                bad.accept(lineNo, where(name, lineNo) + "not a JSON object");
                return;
            }
            each.accept(lineNo, node);
        };
    }

    static String firstLine(String s) {
        if (s == null) return "unknown error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
