package rft3d.serve;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Reads a JSON object as {@code mapper.readTree(body)} does, on all cores. A reward request of 1,024
 * completions and their GT is about 7 MB of JSON, and one thread reading it bounded the service (about
 * 45 ms a request on the H200 machine).
 *
 * <p>Two passes over chunks of the body, in parallel, index its structure: the first counts each chunk's
 * quotes, which tells every chunk whether it starts inside a string; the second lists the brackets, commas
 * and colons outside strings and where strings open and close. From that index the object's members and
 * each long array's elements are found, and every piece is parsed by the same mapper, in parallel, and must
 * be exactly one JSON value. Whatever the index does not show as expected, and any piece that fails, sends
 * the whole body through {@code readTree}: results and errors are always {@code readTree}'s.
 */
final class ParallelJsonReader {
    /** Nesting the index follows before leaving the body to readTree (well under Jackson's limit of 1,000). */
    private static final int MAX_DEPTH = 200;
    /** Index entries: position × 4 + one of these. */
    private static final int MARK = 0, OPEN_QUOTE = 1, CLOSE_QUOTE = 2;

    private final ObjectMapper mapper;
    private final int minParallel;
    private final int chunkBytes;

    /**
     * @param minParallel arrays of fewer elements are parsed whole, on the calling thread
     * @param chunkBytes smallest chunk the index is built from (bodies under it are read by readTree)
     */
    ParallelJsonReader(ObjectMapper mapper, int minParallel, int chunkBytes) {
        this.mapper = mapper;
        this.minParallel = minParallel;
        this.chunkBytes = chunkBytes;
    }

    /**
     * The body's JSON value, exactly as {@code mapper.readTree(body)} gives it or throws. With fewer than
     * three pool workers readTree reads it alone: on 2 cores the indexed way took 25 ms for a 7 MB request
     * against readTree's 20.
     */
    JsonNode read(byte[] body) throws IOException {
        JsonNode fast = ForkJoinPool.getCommonPoolParallelism() < 3 ? null : readIndexed(body);
        return fast != null ? fast : mapper.readTree(body); // readTree says why, in its own words
    }

    /** The body's object read through its index, or null where that way does not apply or a piece fails. */
    ObjectNode readIndexed(byte[] body) {
        if (body.length < chunkBytes || body.length >= (1 << 29)) return null;
        List<Member> members = new Structure(body, index(body)).members();
        if (members == null) return null;
        try {
            ObjectNode object = mapper.createObjectNode();
            for (Member m : members) object.set(parse(body, m.keyFrom, m.keyTo).asText(), value(body, m));
            return object;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** A member of the top-level object: its key's and value's byte ranges, and an array value's commas. */
    private record Member(int keyFrom, int keyTo, int valueFrom, int valueTo, int[] commas) {}

    private JsonNode value(byte[] body, Member m) throws IOException {
        if (m.commas == null || m.commas.length + 1 < minParallel) return parse(body, m.valueFrom, m.valueTo);
        // Elements lie between '[', the commas at the array's own depth, and ']'.
        int n = m.commas.length + 1;
        JsonNode[] elements = new JsonNode[n];
        parallel(n, i -> {
            try {
                elements[i] = parse(body, i == 0 ? m.valueFrom + 1 : m.commas[i - 1] + 1, i == n - 1 ? m.valueTo - 1 : m.commas[i]);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        ArrayNode array = mapper.createArrayNode();
        for (JsonNode e : elements) array.add(e);
        return array;
    }

    /** Exactly one JSON value in body[from, to), surrounded by nothing but whitespace. */
    private JsonNode parse(byte[] body, int from, int to) throws IOException {
        try (JsonParser p = mapper.getFactory().createParser(body, from, to - from)) {
            JsonNode node = mapper.readTree(p);
            if (node == null || node.isMissingNode() || p.nextToken() != null) throw new IOException("not one value");
            return node;
        }
    }

    /** work(0 .. n-1) in contiguous runs on the common pool, the caller taking part. */
    private static void parallel(int n, IntConsumer work) {
        int runs = Math.min(n, 4 * ForkJoinPool.getCommonPoolParallelism());
        IntStream.range(0, runs).parallel().forEach(r -> {
            for (int i = (int) ((long) n * r / runs); i < (long) n * (r + 1) / runs; i++) work.accept(i);
        });
    }

    /**
     * The index: entries (position × 4 + kind) for every bracket, comma and colon outside strings (MARK) and
     * every quote that opens or closes a string, in order. A backslash escapes the byte after it wherever it
     * is (outside strings it is invalid JSON, which the pieces' parsing then refuses).
     */
    private int[] index(byte[] b) {
        int chunks = (int) Math.max(1, Math.min(4L * ForkJoinPool.getCommonPoolParallelism(), b.length / chunkBytes));
        int[] start = new int[chunks + 1];
        start[chunks] = b.length;
        for (int c = 1; c < chunks; c++) {
            int s = Math.max(start[c - 1], (int) ((long) b.length * c / chunks));
            while (s < b.length && s > 0 && b[s - 1] == '\\') s++; // so that no escape spans two chunks
            start[c] = s;
        }
        boolean[] oddQuotes = new boolean[chunks];
        parallel(chunks, c -> {
            boolean odd = false;
            for (int i = start[c]; i < start[c + 1]; i++) {
                if (b[i] == '\\') i++;
                else if (b[i] == '"') odd = !odd;
            }
            oddQuotes[c] = odd;
        });
        boolean[] inString = new boolean[chunks];
        for (int c = 1; c < chunks; c++) inString[c] = inString[c - 1] ^ oddQuotes[c - 1];
        int[][] entries = new int[chunks][];
        parallel(chunks, c -> {
            int[] out = new int[64];
            int n = 0;
            boolean in = inString[c];
            for (int i = start[c]; i < start[c + 1]; i++) {
                byte x = b[i];
                int entry;
                if (x == '\\') {
                    i++;
                    continue;
                } else if (x == '"') {
                    entry = 4 * i + (in ? CLOSE_QUOTE : OPEN_QUOTE);
                    in = !in;
                } else if (!in && (x == '[' || x == ']' || x == '{' || x == '}' || x == ',' || x == ':')) {
                    entry = 4 * i + MARK;
                } else {
                    continue;
                }
                if (n == out.length) out = Arrays.copyOf(out, 2 * n);
                out[n++] = entry;
            }
            entries[c] = Arrays.copyOf(out, n);
        });
        int total = 0;
        for (int[] e : entries) total += e.length;
        int[] index = new int[total];
        int at = 0;
        for (int[] e : entries) {
            System.arraycopy(e, 0, index, at, e.length);
            at += e.length;
        }
        return index;
    }

    /** The body read through its index. */
    private record Structure(byte[] b, int[] index) {
        /** The object's members, or null when the body is not an object of the shape followed here. */
        List<Member> members() {
            int i = skipWhitespace(0);
            if (i >= b.length || b[i] != '{' || find(i, MARK) < 0) return null;
            List<Member> members = new ArrayList<>();
            i = skipWhitespace(i + 1);
            if (i < b.length && b[i] == '}') return skipWhitespace(i + 1) == b.length ? members : null;
            while (true) {
                int keyTo = i < b.length && b[i] == '"' ? stringEnd(i) : -1;
                if (keyTo < 0) return null;
                int keyFrom = i;
                i = skipWhitespace(keyTo);
                if (i >= b.length || b[i] != ':') return null;
                int valueFrom = skipWhitespace(i + 1), valueTo;
                if (valueFrom >= b.length) return null;
                int[] commas = null;
                if (b[valueFrom] == '[' || b[valueFrom] == '{') {
                    List<Integer> found = new ArrayList<>();
                    valueTo = containerEnd(valueFrom, found);
                    if (valueTo < 0 || b[valueTo - 1] != (b[valueFrom] == '[' ? ']' : '}')) return null;
                    if (b[valueFrom] == '[' && skipWhitespace(valueFrom + 1) != valueTo - 1) {
                        commas = found.stream().mapToInt(Integer::intValue).toArray();
                    }
                } else {
                    // A scalar or string runs to the next comma or brace outside strings.
                    int k = nextEntry(valueFrom);
                    while (k < index.length && index[k] % 4 != MARK) k += 2; // past a string's two quotes
                    if (k >= index.length) return null;
                    valueTo = index[k] / 4;
                    if (b[valueTo] != ',' && b[valueTo] != '}') return null;
                }
                members.add(new Member(keyFrom, keyTo, valueFrom, valueTo, commas));
                i = skipWhitespace(valueTo);
                if (i >= b.length) return null;
                if (b[i] == '}') return skipWhitespace(i + 1) == b.length && find(i, MARK) >= 0 ? members : null;
                if (b[i] != ',' || find(i, MARK) < 0) return null;
                i = skipWhitespace(i + 1);
            }
        }

        /** The entry of this position and kind, or -1. */
        private int find(int pos, int kind) {
            int k = Arrays.binarySearch(index, 4 * pos + kind);
            return k >= 0 ? k : -1;
        }

        /** The first entry at or after this position. */
        private int nextEntry(int pos) {
            int k = Arrays.binarySearch(index, 4 * pos);
            return k >= 0 ? k : -k - 1;
        }

        /** Index after the quote that closes the string opening at {@code at}, or -1. */
        private int stringEnd(int at) {
            int k = find(at, OPEN_QUOTE);
            return k < 0 || k + 1 >= index.length || index[k + 1] % 4 != CLOSE_QUOTE ? -1 : index[k + 1] / 4 + 1;
        }

        /** Index after the bracket that closes the container opening at {@code at}, or -1; its own commas to {@code commas}. */
        private int containerEnd(int at, List<Integer> commas) {
            int k = find(at, MARK), depth = 0;
            if (k < 0) return -1;
            for (; k < index.length; k++) {
                if (index[k] % 4 != MARK) continue;
                int pos = index[k] / 4;
                byte c = b[pos];
                if (c == '[' || c == '{') {
                    if (++depth > MAX_DEPTH) return -1;
                } else if (c == ']' || c == '}') {
                    if (--depth == 0) return pos + 1;
                } else if (c == ',' && depth == 1) {
                    commas.add(pos);
                }
            }
            return -1;
        }

        private int skipWhitespace(int i) {
            while (i < b.length && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) i++;
            return i;
        }
    }
}
