package rft3d.serve;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Request counters and recent latency and batch-size samples, rendered as Prometheus text. Quantiles come
 * from the last {@value #WINDOW} requests (a ring buffer), so memory stays bounded.
 */
final class Metrics {
    static final int WINDOW = 4096;

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final LongAdder completions = new LongAdder();
    private final double[] latencies = new double[WINDOW];
    private final double[] batches = new double[WINDOW];
    private long recorded;
    private double latencySum, batchSum;

    /** Counts one answered request by path and status. */
    void request(String path, int status) {
        requests.computeIfAbsent(path + "\u0000" + status, k -> new LongAdder()).increment();
    }

    /** Records one scored batch. */
    synchronized void scored(int batchSize, double seconds) {
        completions.add(batchSize);
        int i = (int) (recorded++ % WINDOW);
        latencies[i] = seconds;
        batches[i] = batchSize;
        latencySum += seconds;
        batchSum += batchSize;
    }

    synchronized String prometheus() {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP rft3d_requests_total Requests answered, by path and HTTP status.\n");
        sb.append("# TYPE rft3d_requests_total counter\n");
        new TreeMap<>(requests).forEach((k, v) -> {
            String[] ps = k.split("\u0000");
            sb.append(String.format(Locale.ROOT, "rft3d_requests_total{path=\"%s\",status=\"%s\"} %d%n", ps[0], ps[1], v.sum()));
        });
        sb.append("# HELP rft3d_completions_total Completions scored.\n# TYPE rft3d_completions_total counter\n");
        sb.append("rft3d_completions_total ").append(completions.sum()).append('\n');
        summary(sb, "rft3d_scoring_latency_seconds", "Time to score one request (queue wait excluded).", latencies, latencySum);
        summary(sb, "rft3d_batch_size", "Completions per scoring request.", batches, batchSum);
        return sb.toString();
    }

    private void summary(StringBuilder sb, String name, String help, double[] window, double sum) {
        int n = (int) Math.min(recorded, WINDOW);
        double[] v = Arrays.copyOf(window, n);
        Arrays.sort(v);
        sb.append("# HELP ").append(name).append(' ').append(help).append(" Quantiles over the last ").append(WINDOW).append(" requests.\n");
        sb.append("# TYPE ").append(name).append(" summary\n");
        for (double q : new double[] {0.5, 0.9, 0.99}) {
            double x = n == 0 ? Double.NaN : v[Math.min(n - 1, (int) Math.ceil(q * n) - 1)];
            sb.append(String.format(Locale.ROOT, "%s{quantile=\"%s\"} %s%n", name, q, x));
        }
        sb.append(String.format(Locale.ROOT, "%s_sum %s%n%s_count %d%n", name, sum, name, recorded));
    }
}
