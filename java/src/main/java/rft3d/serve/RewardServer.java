package rft3d.serve;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import rft3d.grpo.AdvantageOptions;
import rft3d.grpo.Advantages;
import rft3d.parse.AnswerParser;
import rft3d.parse.Json;
import rft3d.reward.Reward;
import rft3d.reward.RewardEngine;
import rft3d.reward.Tasks;

/**
 * The reward service: {@code POST /v1/rewards}, {@code POST /v1/advantages}, {@code GET /health},
 * {@code GET /metrics}.
 *
 * <p>Requests arrive through {@link HttpLoop}, which holds no thread per client, so slow or stalled
 * clients cannot delay others. /health and /metrics are answered at once; scoring requests go to a fixed
 * pool of workers behind a bounded queue: a full queue is answered 503 at once, and a request not scored
 * within the timeout gets 504 and its scoring is cancelled. Work is sized before anything is allocated
 * (body bytes, completions, box pairs).
 *
 * <p>Every answer is JSON (Prometheus text for /metrics); errors are {@code {"error": .., "field": ..}}.
 */
public final class RewardServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("rft3d.serve");
    private static final int MAX_HEADER_BYTES = 16 << 10;

    /** Strict request JSON: nothing after the value; strings as long as the body limit allows. */
    static final ObjectMapper MAPPER = Json.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxStringLength(1 << 30).build());
    }

    static final Set<String> PATHS = Set.of("/health", "/metrics", "/v1/rewards", "/v1/advantages");

    private final RewardEngine engine;
    private final ServerConfig cfg;
    private final HttpLoop http;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService timeouts;
    private final Metrics metrics = new Metrics();
    private final AtomicLong internalErrors = new AtomicLong();

    /**
     * Binds the server (it serves after {@link #start()}). The host is resolved once, and that address is
     * both checked (a non-loopback address needs a token) and bound.
     *
     * @throws IllegalArgumentException when the host does not resolve, or is not loopback and there is no token
     * @throws IOException when the address cannot be bound (the message names it)
     */
    public RewardServer(RewardEngine engine, ServerConfig cfg) throws IOException {
        InetAddress address;
        try {
            address = InetAddress.getByName(cfg.host());
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("host " + cfg.host() + " does not resolve", e);
        }
        if (!address.isLoopbackAddress() && cfg.token() == null) {
            throw new IllegalArgumentException("host " + cfg.host() + " resolves to " + address.getHostAddress()
                    + ", not a loopback address: binding there needs a token (--token-file)");
        }
        this.engine = engine;
        this.cfg = cfg;
        this.workers = new ThreadPoolExecutor(cfg.workers(), cfg.workers(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(cfg.queueCapacity()), daemon("rft3d-score"));
        this.timeouts = Executors.newSingleThreadScheduledExecutor(daemon("rft3d-timeout"));
        HttpLoop.Limits limits = new HttpLoop.Limits(MAX_HEADER_BYTES, cfg.maxBodyBytes(), cfg.readTimeoutMillis(),
                Math.max(cfg.readTimeoutMillis(), 60_000), cfg.maxConnections());
        try {
            this.http = new HttpLoop(new InetSocketAddress(address, cfg.port()), limits, this::route);
        } catch (IOException e) {
            workers.shutdownNow();
            timeouts.shutdownNow();
            throw e;
        }
    }

    private static ThreadFactory daemon(String name) {
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
        return http.port();
    }

    @Override
    public void close() {
        http.close();
        workers.shutdownNow();
        timeouts.shutdownNow();
    }

    /** On the HTTP loop's thread: cheap answers here, scoring to the workers. */
    private void route(HttpRequest req, HttpLoop.Exchange ex) {
        String path = PATHS.contains(req.path()) ? req.path() : "other"; // bounded metric labels
        try {
            authorize(req);
            switch (req.path()) {
                case "/health" -> {
                    requireMethod(req, "GET");
                    ObjectNode o = MAPPER.createObjectNode().put("status", "ok").put("engine", engine.describe());
                    answer(ex, path, HttpResponse.json(200, MAPPER.writeValueAsBytes(o)));
                }
                case "/metrics" -> {
                    requireMethod(req, "GET");
                    answer(ex, path, new HttpResponse(200, "text/plain; version=0.0.4",
                            metrics.prometheus().getBytes(StandardCharsets.UTF_8)));
                }
                case "/v1/rewards" -> {
                    requireMethod(req, "POST");
                    submit(req, ex, path, this::rewards);
                }
                case "/v1/advantages" -> {
                    requireMethod(req, "POST");
                    submit(req, ex, path, this::advantages);
                }
                default -> throw new HttpError(404, null, "no such path: " + req.path());
            }
        } catch (HttpError e) {
            answer(ex, path, HttpResponse.error(e.status, e.field, e.getMessage()));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing JSON to memory does not fail
        }
    }

    /** A request's work on a worker: JSON body in, JSON answer out. */
    private interface Work {
        byte[] apply(JsonNode request) throws HttpError, IOException;
    }

    /** Queues the work (503 when the queue is full) and arms its timeout (504, then the work is cancelled). */
    private void submit(HttpRequest req, HttpLoop.Exchange ex, String path, Work work) {
        ScheduledFuture<?>[] timer = new ScheduledFuture<?>[1];
        FutureTask<Void> task = new FutureTask<>(() -> {
            HttpResponse r = run(req, work);
            if (r != null) {
                timer[0].cancel(false);
                answer(ex, path, r);
            }
            return null;
        });
        timer[0] = timeouts.schedule(() -> {
            if (answer(ex, path, HttpResponse.error(504, null, "not scored within " + cfg.timeoutMillis() + " ms; cancelled"))) {
                task.cancel(true);
            }
        }, cfg.timeoutMillis(), TimeUnit.MILLISECONDS); // set before execute(), which publishes it to the worker
        try {
            workers.execute(task);
        } catch (RejectedExecutionException e) {
            timer[0].cancel(false);
            answer(ex, path, HttpResponse.error(503, null, "busy: " + cfg.queueCapacity() + " requests already queued; retry later"));
        }
    }

    /** The work's answer, or null when it was cancelled (its 504 has gone out). */
    private HttpResponse run(HttpRequest req, Work work) {
        try {
            return HttpResponse.json(200, work.apply(readJson(req.body())));
        } catch (HttpError e) {
            return HttpResponse.error(e.status, e.field, e.getMessage());
        } catch (CancellationException e) {
            return null;
        } catch (IllegalArgumentException e) {
            // Engine messages start with the element, e.g. "gt[3]: gt.boxes[0]: ...".
            String m = e.getMessage();
            int colon = m == null ? -1 : m.indexOf(':');
            return HttpResponse.error(400, colon > 0 ? m.substring(0, colon) : null, m);
        } catch (IOException | RuntimeException | OutOfMemoryError | StackOverflowError e) {
            if (Thread.currentThread().isInterrupted()) return null;
            long id = internalErrors.incrementAndGet();
            LOG.log(Level.SEVERE, "internal error #" + id + " on " + req.path(), e);
            return HttpResponse.error(500, null, "internal error #" + id + "; the server log has the details");
        }
    }

    private boolean answer(HttpLoop.Exchange ex, String path, HttpResponse r) {
        if (!ex.send(r)) return false;
        metrics.request(path, r.status());
        return true;
    }

    private void authorize(HttpRequest req) throws HttpError {
        if (cfg.token() == null) return;
        String h = req.header("authorization");
        byte[] given = h == null ? new byte[0] : h.getBytes(StandardCharsets.UTF_8);
        byte[] expected = ("Bearer " + cfg.token()).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, expected)) throw new HttpError(401, "Authorization", "missing or wrong bearer token");
    }

    private static void requireMethod(HttpRequest req, String method) throws HttpError {
        if (!req.method().equals(method)) throw new HttpError(405, null, "use " + method);
    }

    /** Request bodies of 64 KB and more are read on all cores. */
    private static final ParallelJsonReader READER = new ParallelJsonReader(MAPPER, 64, 1 << 16);

    private static JsonNode readJson(byte[] body) throws HttpError {
        try {
            JsonNode node = READER.read(body);
            if (node == null || !node.isObject()) throw new HttpError(400, null, "body must be a JSON object");
            return node;
        } catch (StreamConstraintsException e) {
            throw new HttpError(413, null, "request exceeds a parser limit: " + firstLine(e.getMessage()));
        } catch (IOException e) {
            throw new HttpError(400, null, "malformed JSON: " + firstLine(e.getMessage()));
        }
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
        if (task.asText().equals("detection")) checkPairs(completions, gts);
        long t0 = System.nanoTime();
        List<Reward> rewards = engine.score(task.asText(), completions, gts);
        metrics.scored(completions.size(), (System.nanoTime() - t0) / 1e9);
        ObjectNode out = MAPPER.createObjectNode();
        ArrayNode list = out.putArray("rewards");
        for (Reward r : rewards) list.add(r.toJson());
        return MAPPER.writeValueAsBytes(out);
    }

    /**
     * 413 when the box pairs a detection request could ask for exceed the limit. Every predicted box
     * needs a '[' for its bbox_3d, so counting them bounds the boxes from above without parsing.
     */
    private void checkPairs(List<String> completions, List<JsonNode> gts) throws HttpError {
        long pairs = 0;
        for (int i = 0; i < completions.size(); i++) {
            String c = completions.get(i);
            long brackets = 0;
            for (int k = c.indexOf('['); k >= 0; k = c.indexOf('[', k + 1)) brackets++;
            pairs += Math.min(brackets, AnswerParser.MAX_BOXES) * (long) gts.get(i).path("boxes").size();
        }
        if (pairs > cfg.maxPairs()) {
            throw new HttpError(413, "completions", "up to " + pairs + " predicted x ground-truth box pairs; at most "
                    + cfg.maxPairs() + " per request (--max-pairs)");
        }
    }

    private byte[] advantages(JsonNode req) throws HttpError, IOException {
        JsonNode rs = req.get("rewards"), g = req.get("group_size");
        if (rs == null || !rs.isArray()) throw new HttpError(400, "rewards", "rewards must be a list of numbers");
        if (g == null || !g.isIntegralNumber() || !g.canConvertToInt() || g.asInt() < 1) {
            throw new HttpError(400, "group_size", "group_size must be an integer >= 1");
        }
        if (rs.size() > cfg.maxBatch()) throw new HttpError(413, "rewards", rs.size() + " rewards; at most " + cfg.maxBatch());
        double[] rewards = new double[rs.size()];
        for (int i = 0; i < rewards.length; i++) {
            if (!rs.get(i).isNumber()) throw new HttpError(400, "rewards[" + i + "]", "not a number");
            rewards[i] = rs.get(i).asDouble();
        }
        JsonNode scaling = req.path("scaling"), eps = req.path("eps");
        if (!scaling.isMissingNode() && !scaling.isTextual()) throw new HttpError(400, "scaling", "scaling must be group, batch or none");
        if (!eps.isMissingNode() && !eps.isNumber()) throw new HttpError(400, "eps", "eps must be a number");
        AdvantageOptions opt;
        try {
            opt = AdvantageOptions.parse(scaling.asText("group"), eps.isMissingNode() ? AdvantageOptions.grpo().eps() : eps.asDouble());
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage().startsWith("eps") ? "eps" : "scaling", e.getMessage());
        }
        try {
            Advantages.validate(rewards, g.asInt());
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "rewards", e.getMessage());
        }
        double[] adv = engine.advantages(rewards, g.asInt(), opt);
        ObjectNode out = MAPPER.createObjectNode();
        ArrayNode list = out.putArray("advantages");
        for (double a : adv) list.add(a);
        return MAPPER.writeValueAsBytes(out);
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
