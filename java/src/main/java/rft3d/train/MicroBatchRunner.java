package rft3d.train;

import static org.bytedeco.pytorch.global.torch.grad;
import static org.bytedeco.pytorch.global.torch.set_num_threads;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Runs one optimizer step's micro-batches — forward pass and gradients — and leaves the sum of their
 * gradients in the parameters' {@code .grad}, added in micro-batch order whatever thread finishes first, so
 * thread timing never changes a run (on a CPU a run repeats itself exactly).
 *
 * <p>Why threads: on a CPU, this project's small models spend most of a step in matrix products too small for
 * LibTorch's intra-op parallelism (a second core made SFT 5% faster), so each micro-batch runs whole on its own
 * thread, with the cores shared out as intra-op threads (LibTorch's thread count is per thread here: the
 * caller's stays as it was). Each running pass holds its own activations, so memory grows with the threads. On
 * a GPU the passes run one after the other on the caller's thread.
 */
final class MicroBatchRunner implements AutoCloseable {
    /** One micro-batch's forward pass: the scalar loss to differentiate, and what the step keeps of it. */
    interface Pass<R> {
        Result<R> forward(int microBatch);
    }

    /** A pass's loss and its kept value (a plain Java value: the pass's tensors are freed when it ends). */
    record Result<R>(Tensor loss, R value) {}

    private final TensorVector params;
    private final int threads;
    private final ExecutorService pool; // null: passes run on the caller's thread

    /**
     * Passes on up to {@code threads} threads, which share the cores: with fewer passes than threads each gets
     * several intra-op threads, and a single pass runs on the caller's thread. With {@code threads} 1, every pass
     * runs on the caller's thread.
     */
    MicroBatchRunner(List<Tensor> params, int threads) {
        this.params = new TensorVector(params.toArray(new Tensor[0]));
        this.threads = threads;
        this.pool = threads <= 1 ? null : Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "micro-batch");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs {@code count} passes and adds their gradients to the parameters' gradients (zeroed or unset before).
     * Returns the passes' values in order. Threads take the passes from the last one down: a caller that sorts its
     * micro-batches by length puts the longest last, so they start first and the threads finish together.
     */
    <R> List<R> run(int count, Pass<R> pass) {
        List<R> values = new ArrayList<>();
        Tensor[] sum = new Tensor[(int) params.size()];
        if (pool == null || count == 1) {
            for (int k = 0; k < count; k++) values.add(accumulate(sum, gradients(pass, k)));
        } else {
            int intraOp = Math.max(1, threads / Math.min(threads, count));
            List<Future<Gradients<R>>> futures = new ArrayList<>(Collections.nCopies(count, null));
            for (int k = count - 1; k >= 0; k--) {
                int micro = k;
                futures.set(k, pool.submit(() -> {
                    set_num_threads(intraOp); // per thread here
                    return gradients(pass, micro);
                }));
            }
            try {
                for (Future<Gradients<R>> f : futures) values.add(accumulate(sum, f.get()));
            } catch (ExecutionException e) {
                for (Future<Gradients<R>> f : futures) f.cancel(false);
                if (e.getCause() instanceof RuntimeException cause) throw cause;
                if (e.getCause() instanceof Error cause) throw cause;
                throw new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                for (Future<Gradients<R>> f : futures) f.cancel(true);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running micro-batches", e);
            }
        }
        try (PointerScope scope = new PointerScope()) {
            for (int i = 0; i < sum.length; i++) {
                if (sum[i] == null) continue;
                Tensor p = params.get(i);
                if (p.grad().defined()) p.mutable_grad().add_(sum[i]);
                else p.mutable_grad().put(sum[i].clone()); // autograd may hand back a view; a gradient must own its storage
                sum[i].close();
            }
        }
        return values;
    }

    private record Gradients<R>(Tensor[] grads, R value) {}

    /** One pass and its gradients, which outlive the pass's own tensors. */
    private <R> Gradients<R> gradients(Pass<R> pass, int k) {
        Tensor[] out = new Tensor[(int) params.size()];
        try (PointerScope scope = new PointerScope()) {
            Result<R> r = pass.forward(k);
            TensorVector g = grad(new TensorVector(r.loss()), params, new TensorVector(), new BoolOptional(false), false, true);
            for (int i = 0; i < out.length; i++) {
                Tensor gi = g.get(i);
                if (!gi.defined()) continue; // a parameter this pass did not use
                out[i] = new Tensor(gi);
                out[i].retainReference(); // detaching releases the scope's reference: keep one of our own
                scope.detach(out[i]);
            }
            return new Gradients<>(out, r.value());
        }
    }

    /** Adds one pass's gradients to the running sums (the first becomes the sum) and returns its value. */
    private static <R> R accumulate(Tensor[] sum, Gradients<R> g) {
        for (int i = 0; i < sum.length; i++) {
            if (g.grads()[i] == null) continue;
            if (sum[i] == null) {
                sum[i] = g.grads()[i];
            } else {
                sum[i].add_(g.grads()[i]);
                g.grads()[i].close();
            }
        }
        return g.value();
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
