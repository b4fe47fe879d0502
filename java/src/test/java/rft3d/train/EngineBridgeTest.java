package rft3d.train;

import static org.bytedeco.pytorch.global.torch.cuda_is_available;
import static org.bytedeco.pytorch.global.torch.kFloat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import rft3d.cuda.CudaUnavailableException;
import rft3d.cuda.GpuRewardEngine;
import rft3d.grpo.AdvantageOptions;
import rft3d.grpo.LossStats;
import rft3d.reward.CpuRewardEngine;
import rft3d.reward.RewardConfig;

/**
 * The bridge gives the CPU references' numbers on either path. The GPU half needs a CUDA LibTorch and a
 * usable GPU engine in one process (bench/gpu-bridge.sh on the H100); elsewhere it is skipped with the reason.
 */
class EngineBridgeTest {
    private static final int GROUP = 8, ROWS = 48, B = 6, T = 17;
    private static final double CLIP_LOW = 0.2, CLIP_HIGH = 0.28;

    @Test
    void hostPathGivesTheReferenceNumbers() {
        EngineBridge bridge = new EngineBridge(new CpuRewardEngine(RewardConfig.defaults()), new Device("cpu"));
        assertFalse(bridge.onDevice());
        checkAgainstReference(bridge, new Device("cpu"));
    }

    @Test
    void devicePathGivesTheReferenceNumbersWithoutLeavingTheGpu() {
        String why = cuda_is_available() ? null : "this LibTorch build sees no CUDA GPU";
        GpuRewardEngine gpu = null;
        if (why == null) {
            try {
                gpu = GpuRewardEngine.open(RewardConfig.defaults());
            } catch (CudaUnavailableException e) {
                why = e.getMessage();
            }
        }
        if (why != null) System.out.println("[rft3d] GPU bridge test skipped: " + why);
        assumeTrue(why == null, why);
        try (GpuRewardEngine engine = gpu) {
            Device cuda = new Device("cuda");
            EngineBridge bridge = new EngineBridge(engine, cuda);
            assertTrue(bridge.onDevice());
            checkAgainstReference(bridge, cuda);
        }
    }

    private static void checkAgainstReference(EngineBridge bridge, Device device) {
        SplittableRandom rnd = new SplittableRandom(3);
        double[] rewards = new double[ROWS];
        for (int i = 0; i < ROWS; i++) rewards[i] = i < GROUP ? 1.0 : rnd.nextDouble(-1, 2); // one group with equal rewards
        for (AdvantageOptions options : new AdvantageOptions[] {AdvantageOptions.grpo(), AdvantageOptions.parse("batch", 1e-6)}) {
            double[] expected = new CpuRewardEngine(RewardConfig.defaults()).advantages(rewards, GROUP, options);
            Tensor adv = bridge.advantages(rewards, GROUP, options);
            assertEquals(device.is_cuda(), adv.is_cuda());
            double[] got = new double[ROWS];
            adv.cpu().contiguous().data_ptr_double().get(got);
            for (int i = 0; i < ROWS; i++) assertEquals(expected[i], got[i], 1e-12, "advantage " + i);
        }

        float[] lp = new float[B * T], old = new float[B * T], ref = new float[B * T], mask = new float[B * T];
        double[] a = new double[B];
        for (int i = 0; i < B * T; i++) {
            old[i] = (float) rnd.nextDouble(-6, 0);
            lp[i] = old[i] + (float) rnd.nextDouble(-0.5, 0.5); // ratios on both sides of the clip range
            ref[i] = old[i] + (float) rnd.nextDouble(-1, 1);
            mask[i] = i % T < 3 + i / T ? 1 : 0; // rows of different lengths
        }
        for (int r = 0; r < B; r++) a[r] = rnd.nextDouble(-2, 2);
        LossStats expected = LossStats.compute(lp, old, ref, mask, a, B, T, CLIP_LOW, CLIP_HIGH);
        // The log-probs as a transposed view, as a trainer's tensors may be laid out: the bridge must not care.
        java.util.function.Function<float[], Tensor> onDevice = v -> Tensor.create(v, B, T).to(device, kFloat());
        Tensor lpView = Tensor.create(transpose(lp), T, B).to(device, kFloat()).t();
        Tensor advantages = Tensor.create(a).to(device, org.bytedeco.pytorch.global.torch.kDouble());
        LossStats got = bridge.lossStats(lpView, onDevice.apply(old), onDevice.apply(ref), onDevice.apply(mask), advantages, CLIP_LOW, CLIP_HIGH);
        assertTrue(expected.clipFraction() > 0 && expected.tokens() < B * T, "the batch must clip some tokens and mask some out");
        assertEquals(expected.tokens(), got.tokens());
        assertEquals(expected.clipFraction(), got.clipFraction(), 1e-12);
        assertEquals(expected.klMean(), got.klMean(), 1e-9);
        assertEquals(expected.policyLoss(), got.policyLoss(), 1e-9);
        assertEquals(expected.ratioMean(), got.ratioMean(), 1e-9);
    }

    private static float[] transpose(float[] v) {
        float[] out = new float[v.length];
        for (int r = 0; r < B; r++) for (int t = 0; t < T; t++) out[t * B + r] = v[r * T + t];
        return out;
    }
}
