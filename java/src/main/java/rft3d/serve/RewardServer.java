package rft3d.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import rft3d.grpo.AdvantageOptions;
import rft3d.grpo.Advantages;
import rft3d.reward.Reward;
import rft3d.reward.RewardEngine;
import rft3d.reward.Tasks;

/**
 * The reward service: {@code POST /v1/rewards}, {@code POST /v1/advantages}, {@code GET /health},
 * {@code GET /metrics}.
 *
 * <p>Built on the JDK's own {@code com.sun.net.httpserver}: no dependency to keep up to date, small enough
 * to audit, and ample for this traffic (a few large JSON batches per training step, not many tiny
 * requests). Connections are served by a small I/O pool; scoring runs on a fixed pool of workers behind a
 * bounded queue, so overload is answered 503 at once and nothing waits unboundedly or is dropped.
 *
 * <p>Every answer is JSON (Prometheus text for /metrics); errors are {@code {"error": .., "field": ..}}.
 */
public final class RewardServer implements AutoCloseable {
    static {
        // The JDK server writes headers and body separately; with Nagle's algorithm on, a keep-alive client's
        // delayed ACK then stalls every response by ~40 ms. Must be set before the server classes load.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final java.util.Set<String> PATHS = java.util.Set.of("/health", "/metrics", "/v1/rewards", "/v1/advantages");

    private final RewardEngine engine;
    private final ServerConfig cfg;
    private final HttpServer http;
    private final ThreadPoolExecutor workers;
    private final ExecutorService io;
    private final Metrics metrics = new Metrics();

    /**
     * Binds the server (it serves after {@link #start()}).
     *
     * @throws IOException when the address cannot be bound
     */
    public RewardServer(RewardEngine engine, ServerConfig cfg) throws IOException {
        this.engine = engine;
        this.cfg = cfg;
        this.http = HttpServer.create(new InetSocketAddress(cfg.host(), cfg.port()), 128);
        this.workers = new ThreadPoolExecutor(cfg.workers(), cfg.workers(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(cfg.queueCapacity()), daemon("rft3d-score"));
        this.io = Executors.newFixedThreadPool(Math.max(4, cfg.workers() * 2), daemon("rft3d-http"));
        http.setExecutor(io);
        http.createContext("/", this::route);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    public RewardServer start() {
        http.start();
        return this;
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    @Override
    public void close() {
        http.stop(0);
        workers.shutdownNow();
        io.shutdownNow();
    }

    /** A request that cannot be served, with its status and the offending field (or null). */
    static final class HttpError extends Exception {
        final int status;
        final String field;

        HttpError(int status, String field, String message) {
            super(message);
            this.status = status;
            this.field = field;
        }
    }

    private void route(HttpExchange ex) {
        String path = ex.getRequestURI().getPath();
        int status;
        try {
            authorize(ex);
            switch (path) {
                case "/health" -> {
                    requireMethod(ex, "GET");
                    ObjectNode o = MAPPER.createObjectNode().put("status", "ok").put("engine", engine.describe());
                    status = send(ex, 200, "application/json", MAPPER.writeValueAsBytes(o));
                }
                case "/metrics" -> {
                    requireMethod(ex, "GET");
                    status = send(ex, 200, "text/plain; version=0.0.4", metrics.prometheus().getBytes(StandardCharsets.UTF_8));
                }
                case "/v1/rewards" -> {
                    requireMethod(ex, "POST");
                    status = send(ex, 200, "application/json", rewards(readJson(ex)));
                }
                case "/v1/advantages" -> {
                    requireMethod(ex, "POST");
                    status = send(ex, 200, "application/json", advantages(readJson(ex)));
                }
                default -> throw new HttpError(404, null, "no such path: " + path);
            }
        } catch (HttpError e) {
            status = sendError(ex, e.status, e.field, e.getMessage());
        } catch (IOException e) {
            status = 499; // the client went away mid-request; nothing to answer
        } catch (RuntimeException e) {
            status = sendError(ex, 500, null, "internal error: " + e);
        } finally {
            ex.close();
        }
        metrics.request(PATHS.contains(path) ? path : "other", status); // bounded label values
    }

    private void authorize(HttpExchange ex) throws HttpError {
        if (cfg.token() == null) return;
        String h = ex.getRequestHeaders().getFirst("Authorization");
        byte[] given = h == null ? new byte[0] : h.getBytes(StandardCharsets.UTF_8);
        byte[] expected = ("Bearer " + cfg.token()).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, expected)) throw new HttpError(401, "Authorization", "missing or wrong bearer token");
    }

    private static void requireMethod(HttpExchange ex, String method) throws HttpError {
        if (!ex.getRequestMethod().equals(method)) throw new HttpError(405, null, "use " + method);
    }

    private JsonNode readJson(HttpExchange ex) throws HttpError, IOException {
        String len = ex.getRequestHeaders().getFirst("Content-Length");
        if (len != null) {
            try {
                if (Long.parseLong(len.trim()) > cfg.maxBodyBytes()) throw tooLarge();
            } catch (NumberFormatException e) {
                throw new HttpError(400, "Content-Length", "not a number");
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (InputStream in = ex.getRequestBody()) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                body.write(buf, 0, n);
                if (body.size() > cfg.maxBodyBytes()) throw tooLarge();
            }
        }
        try {
            JsonNode node = MAPPER.readTree(body.toByteArray());
            if (node == null || !node.isObject()) throw new HttpError(400, null, "body must be a JSON object");
            return node;
        } catch (IOException e) {
            throw new HttpError(400, null, "malformed JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private HttpError tooLarge() {
        return new HttpError(413, null, "body larger than " + cfg.maxBodyBytes() + " bytes");
    }

    private byte[] rewards(JsonNode req) throws HttpError, IOException {
        JsonNode task = req.get("task");
        if (task == null || !task.isTextual() || !Tasks.NAMES.contains(task.asText())) {
            throw new HttpError(400, "task", "task must be one of " + String.join(", ", Tasks.NAMES));
        }
        JsonNode cs = req.get("completions"), gs = req.get("gt");
        if (cs == null || !cs.isArray()) throw new HttpError(400, "completions", "completions must be a list of strings");
        if (gs == null || !gs.isArray()) throw new HttpError(400, "gt", "gt must be a list of objects");
        if (cs.size() != gs.size()) throw new HttpError(400, "gt", cs.size() + " completions but " + gs.size() + " gt objects");
        if (cs.size() > cfg.maxBatch()) throw new HttpError(413, "completions", cs.size() + " completions; at most " + cfg.maxBatch());
        List<String> completions = new ArrayList<>(cs.size());
        List<JsonNode> gts = new ArrayList<>(gs.size());
        for (int i = 0; i < cs.size(); i++) {
            if (!cs.get(i).isTextual()) throw new HttpError(400, "completions[" + i + "]", "not a string");
            completions.add(cs.get(i).asText());
            gts.add(gs.get(i));
        }
        List<Reward> rewards = runBounded(() -> {
            long t0 = System.nanoTime();
            List<Reward> r = engine.score(task.asText(), completions, gts);
            metrics.scored(completions.size(), (System.nanoTime() - t0) / 1e9);
            return r;
        });
        ObjectNode out = MAPPER.createObjectNode();
        ArrayNode list = out.putArray("rewards");
        for (Reward r : rewards) list.add(r.toJson());
        return MAPPER.writeValueAsBytes(out);
    }

    private byte[] advantages(JsonNode req) throws HttpError, IOException {
        JsonNode rs = req.get("rewards"), g = req.get("group_size");
        if (rs == null || !rs.isArray()) throw new HttpError(400, "rewards", "rewards must be a list of numbers");
        if (g == null || !g.canConvertToInt()) throw new HttpError(400, "group_size", "group_size must be an integer");
        if (rs.size() > cfg.maxBatch()) throw new HttpError(413, "rewards", rs.size() + " rewards; at most " + cfg.maxBatch());
        double[] rewards = new double[rs.size()];
        for (int i = 0; i < rewards.length; i++) {
            if (!rs.get(i).isNumber()) throw new HttpError(400, "rewards[" + i + "]", "not a number");
            rewards[i] = rs.get(i).asDouble();
        }
        if (g.asInt() < 1) throw new HttpError(400, "group_size", "group_size must be >= 1");
        AdvantageOptions opt;
        try {
            Advantages.validate(rewards, g.asInt());
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "rewards", e.getMessage());
        }
        try {
            opt = AdvantageOptions.parse(req.path("scaling").asText("group"), req.path("eps").asDouble(1e-6));
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "scaling", e.getMessage());
        }
        double[] adv = runBounded(() -> engine.advantages(rewards, g.asInt(), opt));
        ObjectNode out = MAPPER.createObjectNode();
        ArrayNode list = out.putArray("advantages");
        for (double a : adv) list.add(a);
        return MAPPER.writeValueAsBytes(out);
    }

    /** Runs scoring on the worker pool: 503 when the queue is full, 504 past the timeout, 400 for bad data. */
    private <T> T runBounded(java.util.concurrent.Callable<T> job) throws HttpError {
        Future<T> f;
        try {
            f = workers.submit(job);
        } catch (RejectedExecutionException e) {
            throw new HttpError(503, null, "busy: " + cfg.queueCapacity() + " requests already queued; retry later");
        }
        try {
            return f.get(cfg.timeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new HttpError(504, null, "not scored within " + cfg.timeoutMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, null, "server shutting down");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IllegalArgumentException bad) {
                String m = bad.getMessage();
                // Engine messages start with the element, e.g. "gt[3]: gt.boxes[0]: ...".
                int colon = m.indexOf(':');
                throw new HttpError(400, colon > 0 ? m.substring(0, colon) : null, m);
            }
            throw new RuntimeException(e.getCause());
        }
    }

    private static int send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
        return status;
    }

    private static int sendError(HttpExchange ex, int status, String field, String message) {
        try {
            ObjectNode o = MAPPER.createObjectNode().put("error", message);
            if (field != null) o.put("field", field);
            return send(ex, status, "application/json", MAPPER.writeValueAsBytes(o));
        } catch (IOException e) {
            return 499;
        }
    }
}
