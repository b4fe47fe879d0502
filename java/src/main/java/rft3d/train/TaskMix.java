package rft3d.train;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import rft3d.data.Sample;

/**
 * Draws SFT samples with a weight per sample by task ({@code sft.task_weights}): all weights equal is the
 * uniform draw over samples (the same draws as {@code nextInt(n)}), a larger weight makes that task's
 * samples come up more often in proportion.
 */
final class TaskMix {
    private final List<Sample> samples;
    private final double[] cumulative; // null when the draw is uniform

    TaskMix(List<Sample> samples, Map<String, Double> weights) {
        this.samples = samples;
        boolean uniform = true;
        double[] c = new double[samples.size()];
        double sum = 0, first = Double.NaN;
        for (int i = 0; i < c.length; i++) {
            Double w = weights.get(samples.get(i).task());
            if (w == null) throw new IllegalArgumentException("sft.task_weights has no weight for task '" + samples.get(i).task() + "'");
            if (i == 0) first = w;
            uniform &= w.equals(first);
            sum += w;
            c[i] = sum;
        }
        if (!uniform && !(sum > 0)) throw new IllegalArgumentException("sft.task_weights gives every training sample weight 0");
        this.cumulative = uniform ? null : c;
    }

    Sample draw(SplittableRandom rnd) {
        if (cumulative == null) return samples.get(rnd.nextInt(samples.size()));
        double u = rnd.nextDouble() * cumulative[cumulative.length - 1];
        int lo = 0, hi = cumulative.length - 1; // the first index whose cumulative weight exceeds u
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > u) hi = mid;
            else lo = mid + 1;
        }
        return samples.get(lo);
    }
}
