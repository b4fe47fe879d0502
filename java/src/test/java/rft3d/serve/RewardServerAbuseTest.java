package rft3d.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import rft3d.grpo.AdvantageOptions;
import rft3d.reward.CpuRewardEngine;
import rft3d.reward.Reward;
import rft3d.reward.RewardConfig;
import rft3d.reward.RewardEngine;

/**
 * The service under the attacks and careless use that issue #10 reproduced: slow clients, overload,
 * timeouts that must cancel, oversized work, hostile numbers and malformed HTTP. Each test failed before
 * the service was rebuilt on {@link HttpLoop}.
 */
class RewardServerAbuseTest {
    static final ObjectMapper M = new ObjectMapper();
    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    RewardServer start(RewardEngine engine, ServerConfig cfg) throws Exception {
        open.add(engine);
        RewardServer s = new RewardServer(engine, cfg.withPort(0)).start();
        open.add(s);
        return s;
    }

    RewardServer start(ServerConfig cfg) throws Exception {
        return start(new CpuRewardEngine(RewardConfig.defaults(), 2), cfg);
    }

    Socket connect(RewardServer s) throws IOException {
        Socket c = new Socket("127.0.0.1", s.port());
        c.setSoTimeout(15_000);
        open.add(c);
        return c;
    }

    /** Writes raw bytes and reads the answer's status code and body (the server closes or sends Content-Length). */
    record Raw(int status, String body) {}

    Raw raw(RewardServer s, String request) throws IOException {
        try (Socket c = connect(s)) {
            c.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return readResponse(c.getInputStream());
        }
    }

    static Raw readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new IOException("connection closed after: " + head);
            head.append((char) b);
        }
        int status = Integer.parseInt(head.substring(9, 12));
        int len = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) len = Integer.parseInt(line.substring(15).strip());
        }
        return new Raw(status, new String(in.readNBytes(len), StandardCharsets.UTF_8));
    }

    static String post(String path, String body, String... extraHeaders) {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n"
                + String.join("", extraHeaders) + "Connection: close\r\n\r\n" + body;
    }

    Raw health(RewardServer s) throws IOException {
        return raw(s, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    }

    @Test
    void clientsThatSendOneByteAndStallDelayNobodyAndGet408() throws Exception {
        RewardServer s = start(ServerConfig.defaults().withTimeouts(60_000, 1_000));
        List<Socket> stalled = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Socket c = connect(s);
            c.getOutputStream().write('P');
            stalled.add(c);
        }
        Socket halfBody = connect(s);
        halfBody.getOutputStream().write(post("/v1/rewards", "{\"task\": \"mc\"}").substring(0, 70).getBytes(StandardCharsets.US_ASCII));
        long t0 = System.nanoTime();
        assertEquals(200, health(s).status());
        assertTrue(System.nanoTime() - t0 < 500_000_000L, "health answered in " + (System.nanoTime() - t0) / 1e6 + " ms");
        Raw timedOut = readResponse(halfBody.getInputStream()); // within the 1 s read timeout
        assertEquals(408, timedOut.status(), timedOut.body());
        assertEquals(408, readResponse(stalled.get(0).getInputStream()).status());
    }

    @Test
    void scoringNeverDelaysHealthAndOverloadIsAnswered503() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        RewardServer s = start(new RewardServerTest.BlockingEngine(new CpuRewardEngine(RewardConfig.defaults(), 1), release),
                ServerConfig.defaults().withConcurrency(1, 2, 256).withTimeouts(30_000, 30_000));
        String body = post("/v1/rewards", "{\"task\": \"mc\", \"completions\": [\"A\"], \"gt\": [{\"answer\": \"A\"}]}");
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<Future<Raw>> answers = new ArrayList<>();
            for (int i = 0; i < 12; i++) answers.add(pool.submit(() -> raw(s, body)));
            Thread.sleep(300);
            long t0 = System.nanoTime();
            assertEquals(200, health(s).status());
            assertTrue(System.nanoTime() - t0 < 500_000_000L, "health waited " + (System.nanoTime() - t0) / 1e6 + " ms behind scoring");
            release.countDown();
            int ok = 0, busy = 0;
            for (Future<Raw> f : answers) {
                int st = f.get(20, TimeUnit.SECONDS).status();
                if (st == 200) ok++;
                else if (st == 503) busy++;
                else throw new AssertionError("status " + st);
            }
            assertEquals(9, busy, "1 scoring + 2 queued, the rest 503");
            assertEquals(3, ok);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    /** Scores until interrupted, then says so. */
    static final class SpinningEngine extends RewardServerTest.BlockingEngine {
        final AtomicBoolean stopped = new AtomicBoolean();

        SpinningEngine() {
            super(new CpuRewardEngine(RewardConfig.defaults(), 1), new CountDownLatch(0));
        }

        @Override
        public List<Reward> score(String task, List<String> completions, List<JsonNode> gts) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < end && !Thread.currentThread().isInterrupted()) Thread.onSpinWait();
            stopped.set(Thread.currentThread().isInterrupted());
            throw new java.util.concurrent.CancellationException();
        }
    }

    @Test
    void aTimedOutRequestIsCancelledAndFreesItsWorker() throws Exception {
        SpinningEngine engine = new SpinningEngine();
        RewardServer s = start(engine, ServerConfig.defaults().withConcurrency(1, 4, 64).withTimeouts(500, 30_000));
        Raw r = raw(s, post("/v1/rewards", "{\"task\": \"mc\", \"completions\": [\"A\"], \"gt\": [{\"answer\": \"A\"}]}"));
        assertEquals(504, r.status(), r.body());
        for (int i = 0; i < 50 && !engine.stopped.get(); i++) Thread.sleep(20);
        assertTrue(engine.stopped.get(), "scoring still running after its 504");
    }

    @Test
    void aTimedOutHeavyDetectionRequestFreesTheWorkersAtOnce() throws Exception {
        RewardServer s = start(ServerConfig.defaults().withConcurrency(1, 4, 64).withTimeouts(500, 30_000));
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        StringBuilder preds = new StringBuilder("<think></think><answer>[");
        var body = M.createObjectNode().put("task", "detection");
        var boxes = M.createArrayNode();
        for (int i = 0; i < 2000; i++) {
            double x = rnd.nextDouble(-1, 1), y = rnd.nextDouble(-1, 1), yaw = rnd.nextDouble(-3, 3);
            preds.append(i == 0 ? "\n" : ",\n").append("{\"label\":\"a\",\"bbox_3d\":[").append(x).append(',').append(y)
                    .append(",0,1,1,1,").append(yaw).append(",0.3,0.2]}");
            boxes.addObject().put("label", "a").putArray("bbox_3d").add(y).add(x).add(0).add(1).add(1).add(1).add(-yaw).add(0.2).add(0.3);
        }
        preds.append("\n]</answer>");
        body.putArray("completions").add(preds.toString()).add(preds.toString()); // one per engine thread
        body.putArray("gt").addObject().set("boxes", boxes);
        ((com.fasterxml.jackson.databind.node.ArrayNode) body.get("gt")).addObject().set("boxes", boxes);
        Raw heavy = raw(s, post("/v1/rewards", M.writeValueAsString(body))); // 2 x 4 M rotated pairs: seconds of work
        assertEquals(504, heavy.status(), heavy.body());
        long t0 = System.nanoTime();
        Raw small = raw(s, post("/v1/rewards", "{\"task\": \"mc\", \"completions\": [\"A\"], \"gt\": [{\"answer\": \"A\"}]}"));
        assertEquals(200, small.status(), small.body());
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds < 1.0, "the only worker was still busy for " + seconds + " s after the 504");
    }

    @Test
    void theCpuEngineStopsScoringWhenItsCallerIsInterrupted() throws Exception {
        try (CpuRewardEngine engine = new CpuRewardEngine(RewardConfig.defaults(), 2)) {
            java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
            Thread caller = Thread.currentThread();
            Thread interrupter = new Thread(() -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ignored) {
                    return;
                }
                caller.interrupt();
            });
            interrupter.start();
            assertThrows(java.util.concurrent.CancellationException.class, () -> engine.map(10_000, i -> {
                long end = System.nanoTime() + 5_000_000;
                while (System.nanoTime() < end) Thread.onSpinWait();
                return done.incrementAndGet();
            }));
            assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");
            Thread.sleep(200);
            int after = done.get();
            Thread.sleep(200);
            assertEquals(after, done.get(), "items still being scored after the cancel");
            assertTrue(after < 1_000, after + " of 10,000 items scored");
        }
    }

    @Test
    void tooManyBoxPairsAre413BeforeAnythingIsAllocated() throws Exception {
        RewardServer s = start(ServerConfig.defaults());
        StringBuilder preds = new StringBuilder("<think></think><answer>[");
        for (int i = 0; i < 4096; i++) preds.append(i == 0 ? "" : ",").append("{\"label\":\"a\",\"bbox_3d\":[0,0,0,1,1,1,0,0,0]}");
        preds.append("]</answer>");
        var body = M.createObjectNode().put("task", "detection");
        body.putArray("completions").add(preds.toString());
        var boxes = body.putArray("gt").addObject().putArray("boxes");
        for (int i = 0; i < 10_000; i++) boxes.addObject().put("label", "a").putArray("bbox_3d").add(0).add(0).add(0).add(1).add(1).add(1);
        long t0 = System.nanoTime();
        Raw r = raw(s, post("/v1/rewards", M.writeValueAsString(body)));
        assertEquals(413, r.status(), r.body());
        assertTrue(r.body().contains("--max-pairs"), r.body());
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
    }

    @Test
    void aNameResolvingAwayFromLoopbackNeedsATokenAndAnUnknownNameIsRefused() throws Exception {
        RewardEngine engine = new CpuRewardEngine(RewardConfig.defaults(), 1);
        open.add(engine);
        var wildcard = assertThrows(IllegalArgumentException.class,
                () -> new RewardServer(engine, ServerConfig.defaults().withHost("0.0.0.0").withPort(0)));
        assertTrue(wildcard.getMessage().contains("not a loopback address"), wildcard.getMessage());
        // Starts with "127." as text, which the old string check took for loopback.
        var unknown = assertThrows(IllegalArgumentException.class,
                () -> new RewardServer(engine, ServerConfig.defaults().withHost("127.attacker.invalid").withPort(0)));
        assertTrue(unknown.getMessage().contains("does not resolve"), unknown.getMessage());
        // A name that resolves to loopback is fine without a token.
        try (RewardServer ok = new RewardServer(engine, ServerConfig.defaults().withHost("localhost").withPort(0))) {
            assertTrue(ok.port() > 0);
        }
    }

    @Test
    void hugeButFiniteRewardsGiveFiniteCorrectAdvantages() throws Exception {
        RewardServer s = start(ServerConfig.defaults());
        JsonNode a = M.readTree(raw(s, post("/v1/advantages", "{\"rewards\": [1e308, 1e308], \"group_size\": 2}")).body());
        assertEquals(0.0, a.get("advantages").get(0).asDouble());
        assertEquals(0.0, a.get("advantages").get(1).asDouble());
        JsonNode b = M.readTree(raw(s, post("/v1/advantages", "{\"rewards\": [1e300, 0], \"group_size\": 2}")).body());
        assertEquals(Math.sqrt(0.5), b.get("advantages").get(0).asDouble(), 1e-12, b.toString());
        assertEquals(-Math.sqrt(0.5), b.get("advantages").get(1).asDouble(), 1e-12);
    }

    @Test
    void badFieldsAndMalformedHttpGetClearAnswers() throws Exception {
        RewardServer s = start(ServerConfig.defaults());
        record Case(String request, int status, String field) {}
        for (Case c : List.of(
                new Case(post("/v1/advantages", "{\"rewards\": [1, 2], \"group_size\": 2.5}"), 400, "group_size"),
                new Case(post("/v1/advantages", "{\"rewards\": [1, 2], \"group_size\": 2, \"eps\": \"abc\"}"), 400, "eps"),
                new Case(post("/v1/advantages", "{\"rewards\": [1, 2], \"group_size\": 2, \"eps\": -1}"), 400, "eps"),
                new Case(post("/v1/advantages", "{\"rewards\": [1, 2], \"group_size\": 2} trailing"), 400, null),
                new Case(post("/v1/rewards", "{\"task\": \"grounding\", \"completions\": [\"x\"], \"gt\": [" + groundingGt(1.1, 0) + "]}"), 400, "gt[0]"),
                new Case(post("/v1/rewards", "{\"task\": \"grounding\", \"completions\": [\"x\"], \"gt\": [" + groundingGt(1, 4294967296L) + "]}"), 400, "gt[0]"),
                new Case("POST /v1/rewards HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 400, null),
                new Case("POST /v1/rewards HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", 400, "Transfer-Encoding"),
                new Case("GARBAGE\r\n\r\n", 400, null))) {
            Raw r = raw(s, c.request());
            assertEquals(c.status(), r.status(), c.request() + " -> " + r.body());
            JsonNode err = M.readTree(r.body());
            assertTrue(err.has("error"), r.body());
            if (c.field() != null) assertEquals(c.field(), err.path("field").asText(), r.body());
        }
        // A well-formed chunked body is read.
        Raw chunked = raw(s, "POST /v1/advantages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "10\r\n{\"rewards\": [1, \r\n17\r\n0], \"group_size\": 2}   \r\n0\r\n\r\n");
        assertEquals(200, chunked.status(), chunked.body());
    }

    static String groundingGt(double scale, long frame) {
        String pose = "[[" + scale + ",0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]]";
        return "{\"frame\": " + frame + ", \"gt_bbox\": [0,0,0,1,1,1,0,0,0], \"cam2global\": [" + pose + "]}";
    }

    @Test
    void aStringOver20MillionCharactersWithinTheBodyLimitIsScored() throws Exception {
        RewardServer s = start(ServerConfig.defaults());
        String big = "A " + "x".repeat(21_000_000);
        Raw r = raw(s, post("/v1/rewards", "{\"task\": \"mc\", \"completions\": [\"" + big + "\"], \"gt\": [{\"answer\": \"A\"}]}"));
        assertEquals(200, r.status(), r.body().substring(0, Math.min(300, r.body().length())));
        Raw over = raw(s, "POST /v1/rewards HTTP/1.1\r\nHost: x\r\nContent-Length: " + (65L << 20) + "\r\n\r\n");
        assertEquals(413, over.status(), "a body over the limit is refused from its Content-Length, before it is sent");
    }

    @Test
    void internalErrorsNameNoJavaClasses() throws Exception {
        RewardEngine failing = new RewardServerTest.BlockingEngine(new CpuRewardEngine(RewardConfig.defaults(), 1), new CountDownLatch(0)) {
            @Override
            public double[] advantages(double[] rewards, int groupSize, AdvantageOptions options) {
                throw new IllegalStateException("secret internals at rft3d.Something");
            }
        };
        RewardServer s = start(failing, ServerConfig.defaults());
        Raw r = raw(s, post("/v1/advantages", "{\"rewards\": [1, 2], \"group_size\": 2}"));
        assertEquals(500, r.status());
        assertFalse(r.body().contains("Exception") || r.body().contains("rft3d.") || r.body().contains("java."), r.body());
        assertTrue(r.body().contains("internal error #1"), r.body());
    }

    @Test
    void aPortInUseIsNamedInTheError() throws Exception {
        RewardServer first = start(ServerConfig.defaults());
        RewardEngine engine = new CpuRewardEngine(RewardConfig.defaults(), 1);
        open.add(engine);
        var e = assertThrows(BindException.class, () -> new RewardServer(engine, ServerConfig.defaults().withPort(first.port())));
        assertTrue(e.getMessage().contains("127.0.0.1:" + first.port()), e.getMessage());
    }

    @Test
    void tokenFilesMustBeLongAndPrivate(@TempDir Path dir) throws Exception {
        Path shortToken = Files.writeString(dir.resolve("short"), "x\n");
        Files.setPosixFilePermissions(shortToken, PosixFilePermissions.fromString("rw-------"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.readTokenFile(shortToken))
                .getMessage().contains("at least 16"));
        Path open = Files.writeString(dir.resolve("open"), "a-long-enough-token-value\n");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.readTokenFile(open))
                .getMessage().contains("chmod 600"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-------"));
        assertEquals("a-long-enough-token-value", ServerConfig.readTokenFile(open));
    }

    @Test
    void keepAliveConnectionsServeRequestsInTurnAndExpectContinueIsHonoured() throws Exception {
        RewardServer s = start(ServerConfig.defaults());
        try (Socket c = connect(s)) {
            OutputStream out = c.getOutputStream();
            String body = "{\"rewards\": [1, 0], \"group_size\": 2}";
            // Two pipelined requests in one write: answered in order on the same connection.
            String one = "POST /v1/advantages HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
            out.write((one + one).getBytes(StandardCharsets.US_ASCII));
            assertEquals(200, readResponse(c.getInputStream()).status());
            assertEquals(200, readResponse(c.getInputStream()).status());
            out.write(("POST /v1/advantages HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " + body.length() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertEquals(100, readResponse(c.getInputStream()).status());
            out.write(body.getBytes(StandardCharsets.US_ASCII));
            assertEquals(200, readResponse(c.getInputStream()).status());
        }
    }
}
