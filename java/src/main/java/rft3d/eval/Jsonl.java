package rft3d.eval;

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

/**
 * Streams a JSON-lines file one object at a time, in bytes, so that one bad line costs only that line:
 * lines that are too long, not UTF-8, not JSON or not an object are reported with their line number
 * instead of stopping the run or vanishing silently.
 */
public final class Jsonl {
    private Jsonl() {}

    /** Longest line read (64 MiB); longer lines are skipped and reported. */
    public static final int MAX_LINE_BYTES = 64 << 20;

    static final ObjectMapper MAPPER = new ObjectMapper();

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
        read(in, name, false, each, (line, message) -> errors.add(message));
    }

    /**
     * Calls {@code each(lineNumber, object)} for every good line and {@code bad(lineNumber, message)} for
     * every other line, blank ones included, in file order: every input line gets exactly one call, so an
     * output written from them stays aligned with the input line by line.
     */
    public static void forEachLine(Path file, BiConsumer<Integer, JsonNode> each, BiConsumer<Integer, String> bad) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            read(in, file.toString(), true, each, bad);
        }
    }

    private static void read(InputStream in, String name, boolean blankIsBad, BiConsumer<Integer, JsonNode> each,
                             BiConsumer<Integer, String> bad) throws IOException {
        byte[] chunk = new byte[1 << 16];
        byte[] line = new byte[1 << 12];
        int len = 0, lineNo = 0;
        boolean tooLong = false;
        for (int n; (n = in.read(chunk)) >= 0; ) {
            for (int i = 0; i < n; i++) {
                byte b = chunk[i];
                if (b != '\n') {
                    if (len == MAX_LINE_BYTES) {
                        tooLong = true;
                    } else {
                        if (len == line.length) line = Arrays.copyOf(line, (int) Math.min(MAX_LINE_BYTES, 2L * line.length));
                        line[len++] = b;
                    }
                    continue;
                }
                line(line, len, tooLong, name, ++lineNo, blankIsBad, each, bad);
                len = 0;
                tooLong = false;
            }
        }
        if (len > 0 || tooLong) line(line, len, tooLong, name, ++lineNo, blankIsBad, each, bad); // no final newline
    }

    private static void line(byte[] bytes, int len, boolean tooLong, String name, int lineNo, boolean blankIsBad,
                             BiConsumer<Integer, JsonNode> each, BiConsumer<Integer, String> bad) {
        String where = name + ":" + lineNo + ": ";
        if (tooLong) {
            bad.accept(lineNo, where + "line longer than " + MAX_LINE_BYTES + " bytes, skipped");
            return;
        }
        String text;
        try {
            CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
            text = utf8.decode(ByteBuffer.wrap(bytes, 0, len)).toString();
        } catch (CharacterCodingException e) {
            bad.accept(lineNo, where + "not valid UTF-8, skipped");
            return;
        }
        if (text.isBlank()) {
            if (blankIsBad) bad.accept(lineNo, where + "blank line");
            return;
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (IOException e) {
            bad.accept(lineNo, where + "not JSON (" + firstLine(e.getMessage()) + ")");
            return;
        }
        if (node == null || !node.isObject()) {
            bad.accept(lineNo, where + "not a JSON object");
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
