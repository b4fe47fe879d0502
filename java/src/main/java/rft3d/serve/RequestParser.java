package rft3d.serve;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads HTTP/1.1 requests from whatever bytes have arrived, without blocking and within fixed bounds:
 * the request line and headers together at most {@code maxHeaderBytes} (431 past it), the body at most
 * {@code maxBodyBytes} (413 as soon as a Content-Length or chunk size says so, before reading it).
 * Bodies come with Content-Length or chunked; anything malformed is a 400, so a client always gets an
 * answer. One parser serves one connection, one request at a time.
 */
final class RequestParser {
    /** Longest chunk-size line; real ones are a few hex digits. */
    static final int MAX_CHUNK_LINE = 1024;

    private enum State { HEAD, FIXED, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILER }

    private final int maxHeaderBytes;
    private final long maxBodyBytes;

    private State state;
    private final StringBuilder line = new StringBuilder();
    private int headBytes;
    private String method, path, version;
    private final Map<String, String> headers = new HashMap<>();
    private byte[] body;
    private int bodyLen;
    private long chunkLeft;
    private boolean started, continueDue;

    RequestParser(int maxHeaderBytes, long maxBodyBytes) {
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxBodyBytes = maxBodyBytes;
        reset();
    }

    /** Forgets the current request; the next byte starts a new one. */
    void reset() {
        state = State.HEAD;
        line.setLength(0);
        headBytes = 0;
        method = path = version = null;
        headers.clear();
        body = new byte[0];
        bodyLen = 0;
        started = continueDue = false;
    }

    /** Whether any byte of the current request has arrived (its read deadline runs from then). */
    boolean started() {
        return started;
    }

    /** True once after headers that ask {@code Expect: 100-continue} and announce a body within the limit. */
    boolean takeContinue() {
        boolean c = continueDue;
        continueDue = false;
        return c;
    }

    /**
     * Consumes bytes from {@code in} up to the end of one request.
     *
     * @return the request when it is complete (the bytes after it stay in {@code in}), else null
     * @throws HttpError 400, 413, 431 or 501 for a request that cannot be read
     */
    HttpRequest feed(ByteBuffer in) throws HttpError {
        while (in.hasRemaining()) {
            switch (state) {
                case FIXED -> {
                    int n = Math.min(in.remaining(), body.length - bodyLen);
                    in.get(body, bodyLen, n);
                    bodyLen += n;
                    if (bodyLen == body.length) return complete();
                }
                case CHUNK_DATA -> {
                    int n = (int) Math.min(in.remaining(), chunkLeft);
                    in.get(body, bodyLen, n);
                    bodyLen += n;
                    chunkLeft -= n;
                    if (chunkLeft == 0) state = State.CHUNK_END;
                }
                default -> {
                    String l = readLine(in);
                    if (l != null) {
                        HttpRequest done = onLine(l);
                        if (done != null) return done;
                    }
                }
            }
        }
        return null;
    }

    /** One line without its CR LF (a bare LF is accepted), or null when it has not fully arrived. */
    private String readLine(ByteBuffer in) throws HttpError {
        while (in.hasRemaining()) {
            byte b = in.get();
            started = true;
            if (state == State.HEAD || state == State.TRAILER) {
                if (++headBytes > maxHeaderBytes) {
                    throw new HttpError(431, null, "request line and headers longer than " + maxHeaderBytes + " bytes");
                }
            } else if (line.length() > MAX_CHUNK_LINE) {
                throw new HttpError(400, null, "malformed chunked body: chunk-size line too long");
            }
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') end--;
                String l = line.substring(0, end);
                line.setLength(0);
                return l;
            }
            line.append((char) (b & 0xff)); // ISO-8859-1, as HTTP header bytes are defined
        }
        return null;
    }

    private HttpRequest onLine(String l) throws HttpError {
        switch (state) {
            case HEAD -> {
                if (method == null) {
                    if (!l.isEmpty()) requestLine(l); // empty lines before a request are allowed
                    return null;
                }
                if (!l.isEmpty()) {
                    header(l);
                    return null;
                }
                return startBody();
            }
            case CHUNK_SIZE -> {
                chunkLeft = chunkSize(l);
                if (chunkLeft == 0) {
                    state = State.TRAILER;
                    return null;
                }
                if (bodyLen + chunkLeft > maxBodyBytes) throw tooLarge();
                if (bodyLen + chunkLeft > body.length) {
                    body = java.util.Arrays.copyOf(body, (int) Math.min(maxBodyBytes, Math.max(2L * body.length, bodyLen + chunkLeft)));
                }
                state = State.CHUNK_DATA;
                return null;
            }
            case CHUNK_END -> {
                if (!l.isEmpty()) throw new HttpError(400, null, "malformed chunked body: no CRLF after chunk data");
                state = State.CHUNK_SIZE;
                return null;
            }
            case TRAILER -> {
                return l.isEmpty() ? complete() : null; // trailer fields are read and ignored
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    private void requestLine(String l) throws HttpError {
        String[] parts = l.split(" ", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new HttpError(400, null, "malformed request line");
        }
        if (!parts[2].equals("HTTP/1.1") && !parts[2].equals("HTTP/1.0")) {
            throw new HttpError(400, null, "unsupported protocol version " + shorten(parts[2]));
        }
        method = parts[0];
        version = parts[2];
        String target = parts[1];
        int q = target.indexOf('?');
        path = q < 0 ? target : target.substring(0, q);
    }

    private void header(String l) throws HttpError {
        int colon = l.indexOf(':');
        if (colon <= 0 || l.charAt(0) == ' ' || l.charAt(0) == '\t') throw new HttpError(400, null, "malformed header line");
        String name = l.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        String value = l.substring(colon + 1).strip();
        String before = headers.put(name, value);
        if (name.equals("content-length") && before != null && !before.equals(value)) {
            throw new HttpError(400, "Content-Length", "conflicting Content-Length headers");
        }
    }

    private HttpRequest startBody() throws HttpError {
        String te = headers.get("transfer-encoding"), cl = headers.get("content-length");
        boolean expect = "100-continue".equalsIgnoreCase(headers.get("expect"));
        if (te != null) {
            // Both headers at once is how requests are smuggled past proxies: refuse it.
            if (cl != null) throw new HttpError(400, "Transfer-Encoding", "both Transfer-Encoding and Content-Length");
            if (!te.equalsIgnoreCase("chunked")) throw new HttpError(501, "Transfer-Encoding", "only chunked transfer coding is supported");
            state = State.CHUNK_SIZE;
            continueDue = expect;
            return null;
        }
        long length = 0;
        if (cl != null) {
            if (cl.isEmpty() || cl.length() > 18 || !cl.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new HttpError(400, "Content-Length", "not a non-negative integer");
            }
            length = Long.parseLong(cl);
        }
        if (length > maxBodyBytes) throw tooLarge();
        if (length == 0) return complete();
        body = new byte[(int) length];
        state = State.FIXED;
        continueDue = expect;
        return null;
    }

    private static long chunkSize(String l) throws HttpError {
        int semi = l.indexOf(';'); // chunk extensions are ignored
        String hex = (semi < 0 ? l : l.substring(0, semi)).strip();
        if (hex.isEmpty() || hex.length() > 15 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new HttpError(400, null, "malformed chunked body: bad chunk size '" + shorten(hex) + "'");
        }
        return Long.parseLong(hex, 16);
    }

    private HttpRequest complete() {
        String conn = headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
        boolean keepAlive = version.equals("HTTP/1.1") ? !conn.contains("close") : conn.contains("keep-alive");
        byte[] b = bodyLen == body.length ? body : java.util.Arrays.copyOf(body, bodyLen);
        HttpRequest r = new HttpRequest(method, path, Map.copyOf(headers), b, keepAlive);
        reset();
        return r;
    }

    private HttpError tooLarge() {
        return new HttpError(413, null, "body larger than " + maxBodyBytes + " bytes");
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
