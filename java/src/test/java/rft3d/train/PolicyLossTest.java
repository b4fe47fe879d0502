package rft3d.train;

import static org.bytedeco.pytorch.global.torch.kFloat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import rft3d.grpo.LossStats;

/** The trainer's tensor loss and the grpo package's CPU statistics are the same formula. */
class PolicyLossTest {
    static Tensor tensor(float[] v, long... shape) {
        return Tensor.create(v, shape).to(kFloat());
    }

    @Test
    void perTokenLossesMatchLossStatsIncludingClippingAndTheK3Bounds() {
        SplittableRandom rnd = new SplittableRandom(5);
        int b = 6, t = 40;
        float[] lp = new float[b * t], old = new float[b * t], ref = new float[b * t], mask = new float[b * t];
        double[] adv = new double[b];
        float[] advF = new float[b];
        for (int i = 0; i < b; i++) advF[i] = (float) (adv[i] = rnd.nextGaussian());
        for (int i = 0; i < b * t; i++) {
            lp[i] = (float) -rnd.nextDouble(0, 5);
            old[i] = lp[i] + (float) rnd.nextGaussian() * 0.4f;         // ratios well beyond the clip range
            ref[i] = lp[i] + (float) (i % 17 == 0 ? 60 * rnd.nextGaussian() : rnd.nextGaussian()); // some past ±20
            mask[i] = rnd.nextInt(5) == 0 ? 0 : 1;
        }
        double clipLow = 0.2, clipHigh = 0.28;
        LossStats cpu = LossStats.compute(lp, old, ref, mask, adv, b, t, clipLow, clipHigh);
        Tensor lpT = tensor(lp, b, t), oldT = tensor(old, b, t), refT = tensor(ref, b, t), maskT = tensor(mask, b, t), advT = tensor(advF, b, 1);
        double tokens = cpu.tokens();
        double surrogate = PolicyLoss.loss(PolicyLoss.perToken(lpT, oldT, refT, advT, clipLow, clipHigh, 0), maskT, tokens).item_double();
        assertEquals(cpu.policyLoss(), surrogate, 1e-5 * Math.max(1, Math.abs(cpu.policyLoss())));
        double kl = PolicyLoss.loss(PolicyLoss.k3(refT.sub(lpT)), maskT, tokens).item_double();
        assertEquals(cpu.klMean(), kl, 1e-5 * Math.max(1, cpu.klMean()));
        double beta = 0.04;
        double both = PolicyLoss.loss(PolicyLoss.perToken(lpT, oldT, refT, advT, clipLow, clipHigh, beta), maskT, tokens).item_double();
        assertEquals(cpu.policyLoss() + beta * cpu.klMean(), both, 1e-5 * Math.max(1, Math.abs(both)));
        assertTrue(cpu.clipFraction() > 0.1, "the test exercises clipping: " + cpu.clipFraction());
    }

    @Test
    void theK3EstimateIsBoundedAsVerlBoundsIt() {
        assertEquals(0.0, LossStats.k3(0));
        assertEquals(LossStats.K3_BOUND, LossStats.k3(1000)); // exp(1000) would be infinite
        assertEquals(LossStats.K3_BOUND, LossStats.k3(-1e6)); // −d − 1 grows without bound
        assertEquals(Math.exp(0.5) - 0.5 - 1, LossStats.k3(0.5), 1e-15);
        float[] extreme = {1000f, -1e6f, 0f, 0.5f};
        Tensor k = PolicyLoss.k3(tensor(extreme, 4));
        for (int i = 0; i < 4; i++) assertEquals(LossStats.k3(extreme[i]), k.get(i).item_double(), 1e-6);
    }
}
