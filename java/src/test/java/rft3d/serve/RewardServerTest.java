package rft3d.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import rft3d.data.RandomDetections;
import rft3d.grpo.AdvantageOptions;
import rft3d.grpo.Advantages;
import rft3d.reward.CpuRewardEngine;
import rft3d.reward.Reward;
import rft3d.reward.RewardConfig;
import rft3d.reward.RewardEngine;

/** The service on a random loopback port, against the library. */
class RewardServerTest {
    static final ObjectMapper M = new ObjectMapper();
    static final String TOKEN = "correct-horse-battery-staple";
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) c.close();
    }

    RewardServer start(RewardEngine engine, ServerConfig cfg) throws Exception {
        RewardServer s = new RewardServer(engine, cfg.withPort(0)).start();
        open.add(s);
        open.add(engine);
        return s;
    }

    RewardServer start() throws Exception {
        return start(new CpuRewardEngine(RewardConfig.defaults(), 2), ServerConfig.defaults());
    }

    HttpResponse<String> post(RewardServer s, String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(RewardServer s, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A detection request of n completions and what the library says of it. */
    record Batch(String body, List<Reward> expected) {}

    static Batch detectionBatch(int n, long seed) throws Exception {
        var data = RandomDetections.generate(n, 6, 5, RandomDetections.Rotation.GENERAL, seed);
        List<String> completions = new ArrayList<>();
        List<JsonNode> gts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            completions.add(RandomDetections.completion(data.predictions().get(i)));
            gts.add(M.readTree(RandomDetections.groundTruthJson(data.truths().get(i))));
        }
        completions.set(0, "not an answer at all");
        var body = M.createObjectNode().put("task", "detection");
        body.set("completions", M.valueToTree(completions));
        body.set("gt", M.valueToTree(gts));
        try (CpuRewardEngine lib = new CpuRewardEngine(RewardConfig.defaults(), 1)) {
            return new Batch(M.writeValueAsString(body), lib.score("detection", completions, gts));
        }
    }

    static void assertSameRewards(List<Reward> expected, String responseBody) throws Exception {
        JsonNode rewards = M.readTree(responseBody).get("rewards");
        assertEquals(expected.size(), rewards.size());
        for (int i = 0; i < expected.size(); i++) {
            JsonNode r = rewards.get(i);
            assertEquals(expected.get(i).total(), r.get("reward").asDouble(), 0, "reward " + i);
            assertEquals(expected.get(i).reason(), r.get("reason").asText(), "reason " + i);
            for (var part : expected.get(i).parts().entrySet()) {
                assertEquals(part.getValue(), r.get("parts").get(part.getKey()).asDouble(), 0, part.getKey() + " of " + i);
            }
        }
    }

    @Test
    void rewardsRoundTripEqualsTheLibrary() throws Exception {
        RewardServer s = start();
        Batch b = detectionBatch(20, 1);
        var resp = post(s, "/v1/rewards", b.body());
        assertEquals(200, resp.statusCode(), resp.body());
        assertSameRewards(b.expected(), resp.body());
        assertTrue(M.readTree(resp.body()).get("rewards").get(0).get("reason").asText().contains("envelope"));
    }

    @Test
    void advantagesRoundTripEqualsTheLibrary() throws Exception {
        RewardServer s = start();
        var resp = post(s, "/v1/advantages", "{\"rewards\": [1, 0, 0, 1, 2, 2], \"group_size\": 2, \"scaling\": \"batch\"}");
        assertEquals(200, resp.statusCode(), resp.body());
        double[] expected = Advantages.compute(new double[] {1, 0, 0, 1, 2, 2}, 2, AdvantageOptions.parse("batch", 1e-6));
        JsonNode adv = M.readTree(resp.body()).get("advantages");
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], adv.get(i).asDouble(), 0);
    }

    @Test
    void badRequestsGetTheRightStatusAndNameTheField() throws Exception {
        RewardServer s = start(new CpuRewardEngine(RewardConfig.defaults(), 1),
                ServerConfig.defaults().withSizeLimits(4096, 3, 1L << 25).withConcurrency(1, 4, 64));
        record Case(String path, String body, int status, String field) {}
        for (Case c : List.of(
                new Case("/v1/rewards", "{not json", 400, null),
                new Case("/v1/rewards", "[1, 2]", 400, null),
                new Case("/v1/rewards", "{\"task\": \"vqa\", \"completions\": [], \"gt\": []}", 400, "task"),
                new Case("/v1/rewards", "{\"task\": \"mc\", \"completions\": \"A\", \"gt\": []}", 400, "completions"),
                new Case("/v1/rewards", "{\"task\": \"mc\", \"completions\": [\"A\", 3], \"gt\": [{}, {}]}", 400, "completions[1]"),
                new Case("/v1/rewards", "{\"task\": \"mc\", \"completions\": [\"A\"], \"gt\": []}", 400, "gt"),
                new Case("/v1/rewards", "{\"task\": \"mc\", \"completions\": [\"A\", \"B\"], \"gt\": [{\"answer\": \"A\"}, {\"answer\": 5}]}", 400, "gt[1]"),
                new Case("/v1/rewards", "{\"task\": \"mc\", \"completions\": [\"A\",\"A\",\"A\",\"A\"], \"gt\": [{},{},{},{}]}", 413, "completions"),
                new Case("/v1/rewards", "{\"task\": \"mc\", \"completions\": [\"" + "x".repeat(5000) + "\"], \"gt\": [{}]}", 413, null),
                new Case("/v1/advantages", "{\"rewards\": [1, 2, 3], \"group_size\": 2}", 400, "rewards"),
                new Case("/v1/advantages", "{\"rewards\": [1, \"a\"], \"group_size\": 2}", 400, "rewards[1]"),
                new Case("/v1/nothing", "{}", 404, null))) {
            var resp = post(s, c.path(), c.body());
            assertEquals(c.status(), resp.statusCode(), c + " -> " + resp.body());
            JsonNode err = M.readTree(resp.body());
            assertTrue(err.has("error"), resp.body());
            if (c.field() != null) assertEquals(c.field(), err.path("field").asText(), resp.body());
        }
        assertEquals(405, get(s, "/v1/rewards").statusCode());
        assertEquals(200, get(s, "/health").statusCode());
        String metrics = get(s, "/metrics").body();
        assertTrue(metrics.contains("rft3d_requests_total{path=\"/v1/rewards\",status=\"400\"} 7"), metrics);
        assertTrue(metrics.contains("rft3d_scoring_latency_seconds{quantile=\"0.99\"}"), metrics);
    }

    @Test
    void aFullQueueAnswers503AndASlowRequest504() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        RewardEngine blocking = new BlockingEngine(new CpuRewardEngine(RewardConfig.defaults(), 1), release);
        RewardServer s = start(blocking, ServerConfig.defaults().withConcurrency(1, 1, 64).withTimeouts(1500, 30_000));
        String body = "{\"task\": \"mc\", \"completions\": [\"A\"], \"gt\": [{\"answer\": \"A\"}]}";
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<HttpResponse<String>> first = pool.submit(() -> post(s, "/v1/rewards", body));
            Thread.sleep(200); // first occupies the only worker
            Future<HttpResponse<String>> second = pool.submit(() -> post(s, "/v1/rewards", body));
            Thread.sleep(200); // second fills the queue of one
            HttpResponse<String> third = post(s, "/v1/rewards", body);
            assertEquals(503, third.statusCode(), third.body());
            assertEquals(504, first.get(10, TimeUnit.SECONDS).statusCode());
            release.countDown();
            int secondStatus = second.get(10, TimeUnit.SECONDS).statusCode();
            assertTrue(secondStatus == 200 || secondStatus == 504, "second: " + secondStatus);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    /** Delegates, but blocks scoring until released (to fill the worker and the queue). */
    static class BlockingEngine implements RewardEngine {
        final RewardEngine inner;
        final CountDownLatch release;

        BlockingEngine(RewardEngine inner, CountDownLatch release) {
            this.inner = inner;
            this.release = release;
        }

        @Override
        public List<Reward> score(String task, List<String> completions, List<JsonNode> gts) {
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return inner.score(task, completions, gts);
        }

        @Override
        public double[] advantages(double[] rewards, int groupSize, AdvantageOptions options) {
            return inner.advantages(rewards, groupSize, options);
        }

        @Override
        public String describe() {
            return "blocking " + inner.describe();
        }

        @Override
        public RewardConfig config() {
            return inner.config();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @Test
    void tokenIsRequiredWhenConfigured() throws Exception {
        RewardServer s = start(new CpuRewardEngine(RewardConfig.defaults(), 1),
                ServerConfig.defaults().withConcurrency(1, 4, 64).withToken(TOKEN));
        assertEquals(401, get(s, "/health").statusCode());
        var ok = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/health"))
                .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode());
    }

    @Test
    void boundedLoadLosesNoRequestAndEveryRewardEqualsTheLibrary() throws Exception {
        RewardServer s = start(new CpuRewardEngine(RewardConfig.defaults(), 2),
                ServerConfig.defaults().withConcurrency(2, 64, 1024));
        List<Batch> batches = new ArrayList<>();
        for (int i = 0; i < 8; i++) batches.add(detectionBatch(4, 100 + i));
        int clients = 8, perClient = 2000;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        try {
            List<Future<int[]>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                Batch b = batches.get(c);
                results.add(pool.submit(() -> {
                    int ok = 0, busy = 0;
                    for (int i = 0; i < perClient && System.nanoTime() < deadline; ) {
                        var resp = post(s, "/v1/rewards", b.body());
                        if (resp.statusCode() == 503) { // back-pressure: retry, it is never dropped silently
                            busy++;
                            Thread.sleep(1);
                            continue;
                        }
                        assertEquals(200, resp.statusCode(), resp.body());
                        assertSameRewards(b.expected(), resp.body());
                        ok++;
                        i++;
                    }
                    return new int[] {ok, busy};
                }));
            }
            int ok = 0, busy = 0;
            for (Future<int[]> f : results) {
                int[] r = f.get(300, TimeUnit.SECONDS);
                ok += r[0];
                busy += r[1];
            }
            System.out.printf("[rft3d] load test: %d requests answered 200, %d answered 503 and retried%n", ok, busy);
            assertEquals(clients * perClient, ok);
            String metrics = get(s, "/metrics").body();
            assertTrue(metrics.contains("rft3d_requests_total{path=\"/v1/rewards\",status=\"200\"} " + ok), metrics);
        } finally {
            pool.shutdownNow();
        }
    }
}
