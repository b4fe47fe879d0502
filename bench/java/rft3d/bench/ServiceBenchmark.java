package rft3d.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import rft3d.RewardEngines;
import rft3d.data.RandomDetections;
import rft3d.reward.RewardConfig;
import rft3d.reward.RewardEngine;
import rft3d.serve.RewardServer;
import rft3d.serve.ServerConfig;

/**
 * Throughput and latency of {@code POST /v1/rewards} on loopback: detection completions of 16 predicted
 * × 16 GT boxes, batches of 64 and 1024, several clients for a fixed time each. Usage:
 * {@code ServiceBenchmark [--engine auto|cpu|gpu] [--clients 4] [--seconds 10]}.
 */
public final class ServiceBenchmark {
    private ServiceBenchmark() {}

    public static void main(String[] args) throws Exception {
        String engineName = "auto";
        int clients = 4, seconds = 10;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--engine" -> engineName = args[i + 1];
                case "--clients" -> clients = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        ObjectMapper m = new ObjectMapper();
        try (RewardEngine engine = RewardEngines.byName(engineName, RewardConfig.defaults());
             RewardServer server = new RewardServer(engine, ServerConfig.defaults().withPort(0)
                     .withSizeLimits(256L << 20, 16384, 1L << 30).withConcurrency(Math.max(2, clients), 64, 1024)
                     .withTimeouts(120_000, 30_000)).start()) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI uri = URI.create("http://127.0.0.1:" + server.port() + "/v1/rewards");
            System.out.printf("[bench] service on %s, %d clients, %d s per batch size, %d cores%n",
                    engine.describe(), clients, seconds, Runtime.getRuntime().availableProcessors());
            System.out.println("| batch | requests | completions/s | p50 ms | p99 ms |");
            System.out.println("|---|---|---|---|---|");
            for (int batch : new int[] {64, 1024}) {
                var data = RandomDetections.generate(batch, 16, 16, RandomDetections.Rotation.GENERAL, batch);
                var body = m.createObjectNode().put("task", "detection");
                var cs = body.putArray("completions");
                var gs = body.putArray("gt");
                for (int i = 0; i < batch; i++) {
                    cs.add(RandomDetections.completion(data.predictions().get(i)));
                    gs.add(m.readTree(RandomDetections.groundTruthJson(data.truths().get(i))));
                }
                HttpRequest req = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(m.writeValueAsString(body))).build();
                for (int i = 0; i < 3; i++) client.send(req, HttpResponse.BodyHandlers.ofString()); // warm-up
                ExecutorService pool = Executors.newFixedThreadPool(clients);
                long end = System.nanoTime() + seconds * 1_000_000_000L;
                List<Future<List<Double>>> futures = new ArrayList<>();
                long t0 = System.nanoTime();
                for (int c = 0; c < clients; c++) {
                    futures.add(pool.submit(() -> {
                        List<Double> lat = new ArrayList<>();
                        while (System.nanoTime() < end) {
                            long s = System.nanoTime();
                            var resp = client.send(req, HttpResponse.BodyHandlers.ofString());
                            if (resp.statusCode() != 200) throw new IllegalStateException(resp.statusCode() + " " + resp.body());
                            lat.add((System.nanoTime() - s) / 1e6);
                        }
                        return lat;
                    }));
                }
                List<Double> all = new ArrayList<>();
                for (Future<List<Double>> f : futures) all.addAll(f.get());
                double elapsed = (System.nanoTime() - t0) / 1e9;
                pool.shutdown();
                Collections.sort(all);
                System.out.printf(Locale.ROOT, "| %d | %d | %.0f | %.1f | %.1f |%n", batch, all.size(), all.size() * (double) batch / elapsed,
                        all.get(all.size() / 2), all.get(Math.min(all.size() - 1, (int) Math.ceil(0.99 * all.size()) - 1)));
            }
        }
    }
}
