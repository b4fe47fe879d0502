package rft3d.reward;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import rft3d.grpo.AdvantageOptions;
import rft3d.grpo.Advantages;

/** The reference engine: each sample scored by its {@link RewardTask}, samples spread over a thread pool. */
public final class CpuRewardEngine implements RewardEngine {
    private final RewardConfig cfg;
    private final ForkJoinPool pool;

    /** An engine with {@code threads} worker threads. */
    public CpuRewardEngine(RewardConfig cfg, int threads) {
        this.cfg = cfg;
        this.pool = new ForkJoinPool(Math.max(1, threads));
    }

    /** An engine using every core. */
    public CpuRewardEngine(RewardConfig cfg) {
        this(cfg, Runtime.getRuntime().availableProcessors());
    }

    @Override
    public List<Reward> score(String task, List<String> completions, List<JsonNode> gts) {
        checkBatch(completions, gts);
        RewardTask<?> t = Tasks.create(task, cfg);
        return scoreWith(t, completions, gts);
    }

    @SuppressWarnings("unchecked")
    private <G> List<Reward> scoreWith(RewardTask<G> task, List<String> completions, List<JsonNode> gts) {
        Object[] truths = parseTruths(task, gts);
        return map(completions.size(), i -> task.score(completions.get(i), (G) truths[i]));
    }

    /**
     * {@code f(0) … f(n−1)} computed on this engine's threads, in order. Interrupting the calling thread
     * cancels the items not yet started and throws {@link CancellationException}.
     */
    public <T> List<T> map(int n, IntFunction<T> f) {
        Object[] out = new Object[n];
        AtomicBoolean cancelled = new AtomicBoolean();
        ForkJoinTask<?> work = pool.submit(() -> IntStream.range(0, n).parallel().forEach(i -> {
            if (cancelled.get()) throw new CancellationException();
            out[i] = Cancellation.within(cancelled, () -> f.apply(i));
        }));
        try {
            work.get();
        } catch (InterruptedException e) {
            cancelled.set(true);
            Thread.currentThread().interrupt();
            throw new CancellationException("scoring cancelled");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        }
        @SuppressWarnings("unchecked")
        List<T> list = (List<T>) Arrays.asList(out);
        return list;
    }

    /** Parses every ground truth on this engine's threads, naming the index of the first bad one. */
    public Object[] parseTruths(RewardTask<?> task, List<JsonNode> gts) {
        Object[] truths = map(gts.size(), i -> {
            try {
                return task.groundTruth(gts.get(i));
            } catch (IllegalArgumentException e) {
                return new BadTruth(e);
            }
        }).toArray();
        for (int i = 0; i < truths.length; i++) {
            if (truths[i] instanceof BadTruth bad) throw new IllegalArgumentException("gt[" + i + "]: " + bad.e().getMessage(), bad.e());
        }
        return truths;
    }

    private record BadTruth(IllegalArgumentException e) {}

    /** Both lists present and of the same length. */
    public static void checkBatch(List<String> completions, List<JsonNode> gts) {
        if (completions == null || gts == null) throw new IllegalArgumentException("completions and gts must be given");
        if (completions.size() != gts.size()) {
            throw new IllegalArgumentException(completions.size() + " completions but " + gts.size() + " gts");
        }
    }

    @Override
    public double[] advantages(double[] rewards, int groupSize, AdvantageOptions options) {
        return Advantages.compute(rewards, groupSize, options);
    }

    @Override
    public String describe() {
        return "cpu (" + pool.getParallelism() + " threads)";
    }

    @Override
    public RewardConfig config() {
        return cfg;
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
