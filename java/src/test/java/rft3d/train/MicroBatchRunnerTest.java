package rft3d.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class MicroBatchRunnerTest {
    private static final int MICROS = 5;

    /** Two parameters; micro-batch k's loss is sum(tanh(x_k·W)·v)², different for each k. */
    private static final class Problem {
        final Tensor w = Tensor.create(values(1, 24), 6, 4).set_requires_grad(true);
        final Tensor v = Tensor.create(values(2, 4), 4).set_requires_grad(true);
        final List<Tensor> inputs = new ArrayList<>();

        Problem() {
            for (int k = 0; k < MICROS; k++) inputs.add(Tensor.create(values(10 + k, 3 * 6), 3, 6));
        }

        Tensor loss(int k) {
            return inputs.get(k).matmul(w).tanh().matmul(v).sum().square();
        }

        float[] grads() {
            float[] gw = Sequences.values(w.grad()), gv = Sequences.values(v.grad());
            float[] all = new float[gw.length + gv.length];
            System.arraycopy(gw, 0, all, 0, gw.length);
            System.arraycopy(gv, 0, all, gw.length, gv.length);
            return all;
        }

        private static float[] values(long seed, int n) {
            Random r = new Random(seed);
            float[] out = new float[n];
            for (int i = 0; i < n; i++) out[i] = (float) r.nextGaussian();
            return out;
        }
    }

    private static float[] viaRunner(int threads, List<Double> losses) {
        Problem p = new Problem();
        try (MicroBatchRunner runner = new MicroBatchRunner(List.of(p.w, p.v), threads)) {
            losses.addAll(runner.run(MICROS, k -> {
                Tensor loss = p.loss(k);
                return new MicroBatchRunner.Result<>(loss, loss.item_double());
            }));
        }
        return p.grads();
    }

    @Test
    void gradientsEqualOneBackwardPerMicroBatchBitForBitOnAnyNumberOfThreads() {
        Problem p = new Problem();
        List<Double> expectedLosses = new ArrayList<>();
        for (int k = 0; k < MICROS; k++) {
            Tensor loss = p.loss(k);
            expectedLosses.add(loss.item_double());
            loss.backward();
        }
        float[] expected = p.grads();
        for (int threads : new int[] {1, 2, 3}) {
            List<Double> losses = new ArrayList<>();
            assertArrayEquals(expected, viaRunner(threads, losses), threads + " threads");
            assertEquals(expectedLosses, losses, "losses in micro-batch order, " + threads + " threads");
        }
    }

    @Test
    void aSinglePassRunsOnTheCallersThreadAndSeveralOnTheRunnersOwn() {
        Problem p = new Problem();
        String caller = Thread.currentThread().getName();
        try (MicroBatchRunner runner = new MicroBatchRunner(List.of(p.w, p.v), 2)) {
            assertEquals(List.of(caller), runner.run(1, k -> new MicroBatchRunner.Result<>(p.loss(k), Thread.currentThread().getName())));
            assertEquals(List.of("micro-batch", "micro-batch"),
                    runner.run(2, k -> new MicroBatchRunner.Result<>(p.loss(k), Thread.currentThread().getName())));
        }
    }

    @Test
    void addsToGradientsAlreadyThere() {
        Problem p = new Problem();
        try (MicroBatchRunner runner = new MicroBatchRunner(List.of(p.w, p.v), 2)) {
            runner.run(MICROS, k -> new MicroBatchRunner.Result<>(p.loss(k), k));
            float[] once = p.grads();
            runner.run(MICROS, k -> new MicroBatchRunner.Result<>(p.loss(k), k));
            float[] twice = p.grads();
            for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], twice[i], 1e-5 * Math.abs(once[i]));
        }
    }

    @Test
    void aFailingPassFailsTheRunWithItsOwnException() {
        Problem p = new Problem();
        for (int threads : new int[] {1, 2}) {
            try (MicroBatchRunner runner = new MicroBatchRunner(List.of(p.w, p.v), threads)) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> runner.run(MICROS, k -> {
                    if (k == 3) throw new IllegalStateException("bad micro-batch " + k);
                    return new MicroBatchRunner.Result<>(p.loss(k), k);
                }));
                assertEquals("bad micro-batch 3", e.getMessage());
            }
        }
    }
}
