package rft3d.eval;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Whether model B beats model A on the same evaluation samples: each metric's difference B − A with a 95%
 * confidence interval from the paired bootstrap (every replicate draws one set of samples and scores both
 * models on it), so the noise of which samples were drawn cancels between the two.
 */
public final class PairedBootstrap {
    private PairedBootstrap() {}

    /** A metric of both models and their difference, with the 2.5th and 97.5th percentiles of the replicates' differences. */
    public record Difference(double a, double b, double low, double high) {
        public double delta() {
            return b - a;
        }

        /** Whether the interval leaves out zero. */
        public boolean significant() {
            return low > 0 || high < 0;
        }
    }

    /**
     * The differences of every metric of {@code metrics} over the tasks both have.
     *
     * @throws IllegalArgumentException when a task's two sets do not hold the same samples in the same order
     */
    public static Map<String, Difference> compare(Map<String, PredictionSet> a, Map<String, PredictionSet> b,
                                                  Function<Map<String, PredictionSet>, Map<String, Double>> metrics, int replicates, long seed) {
        if (replicates < 2) throw new IllegalArgumentException("need at least 2 replicates");
        Map<String, PredictionSet> sa = new LinkedHashMap<>(), sb = new LinkedHashMap<>();
        a.forEach((task, set) -> {
            PredictionSet other = b.get(task);
            if (other == null) return;
            List<String> ids = set.samples().stream().map(PredictionSet.Sample::id).toList();
            if (!ids.equals(other.samples().stream().map(PredictionSet.Sample::id).toList())) {
                throw new IllegalArgumentException(task + ": the two prediction sets are not over the same samples");
            }
            sa.put(task, set);
            sb.put(task, other);
        });
        Map<String, Double> ma = metrics.apply(sa), mb = metrics.apply(sb);
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, double[]> draws = new LinkedHashMap<>();
        for (int r = 0; r < replicates; r++) {
            Map<String, PredictionSet> ra = new LinkedHashMap<>(), rb = new LinkedHashMap<>();
            for (String task : sa.keySet()) {
                int n = sa.get(task).samples().size();
                int[] pick = new int[n];
                for (int i = 0; i < n; i++) pick[i] = rnd.nextInt(n);
                ra.put(task, sa.get(task).pick(pick));
                rb.put(task, sb.get(task).pick(pick));
            }
            Map<String, Double> da = metrics.apply(ra), db = metrics.apply(rb);
            int at = r;
            da.forEach((k, v) -> draws.computeIfAbsent(k, x -> new double[replicates])[at] = db.get(k) - v);
        }
        Map<String, Difference> out = new LinkedHashMap<>();
        draws.forEach((k, d) -> {
            Arrays.sort(d);
            out.put(k, new Difference(ma.get(k), mb.get(k), d[(int) Math.floor(0.025 * (d.length - 1))], d[(int) Math.ceil(0.975 * (d.length - 1))]));
        });
        return out;
    }
}
