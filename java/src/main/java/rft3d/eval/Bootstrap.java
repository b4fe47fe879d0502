package rft3d.eval;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Standard errors of benchmark metrics by the bootstrap: the metrics are recomputed on replicates whose
 * samples are drawn with replacement, which works for corpus-level metrics (F1 over pooled counts) as well
 * as for means. A fixed seed makes the errors reproducible.
 */
public final class Bootstrap {
    private Bootstrap() {}

    /**
     * The standard deviation of each metric over {@code replicates} replicates of the sets (each set
     * resampled on its own).
     */
    public static Map<String, Double> standardErrors(Map<String, PredictionSet> sets, Function<Map<String, PredictionSet>, Map<String, Double>> metrics,
                                                     int replicates, long seed) {
        if (replicates < 2) throw new IllegalArgumentException("need at least 2 replicates");
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, double[]> draws = new LinkedHashMap<>();
        for (int r = 0; r < replicates; r++) {
            Map<String, PredictionSet> replicate = new LinkedHashMap<>();
            sets.forEach((name, set) -> replicate.put(name, set.resample(rnd)));
            int at = r;
            metrics.apply(replicate).forEach((k, v) -> draws.computeIfAbsent(k, x -> new double[replicates])[at] = v);
        }
        Map<String, Double> out = new LinkedHashMap<>();
        draws.forEach((k, v) -> {
            double mean = 0, q = 0;
            for (double x : v) mean += x / v.length;
            for (double x : v) q += (x - mean) * (x - mean);
            out.put(k, Math.sqrt(q / (v.length - 1)));
        });
        return out;
    }
}
