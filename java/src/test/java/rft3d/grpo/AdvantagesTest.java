package rft3d.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AdvantagesTest {
    @Test
    void groupAdvantageIsCentredAndScaledByTheUnbiasedStd() {
        // Group {1, 0}: mean 0.5, unbiased std = sqrt(0.5) = 0.7071; advantages ±0.5/0.7071 = ±0.7071.
        double a = 0.5 / (Math.sqrt(0.5) + 1e-6);
        assertArrayEquals(new double[] {a, -a, -a, a},
                Advantages.compute(new double[] {1, 0, 0, 1}, 2, AdvantageOptions.grpo()), 1e-12);
    }

    @Test
    void drGrpoOnlyCentres() {
        assertArrayEquals(new double[] {0.5, -0.5, 1, -1},
                Advantages.compute(new double[] {1, 0, 3, 1}, 2, new AdvantageOptions(AdvantageOptions.Scaling.NONE, 1e-6)), 1e-12);
    }

    @Test
    void batchStdScalesEveryGroupByTheSameNumber() {
        // Batch {1,0,0,1}: mean 0.5, unbiased std = sqrt(1/3) = 0.57735.
        double a = 0.5 / (Math.sqrt(1.0 / 3) + 1e-6);
        assertArrayEquals(new double[] {a, -a, -a, a},
                Advantages.compute(new double[] {1, 0, 0, 1}, 2, AdvantageOptions.parse("batch", 1e-6)), 1e-12);
    }

    @Test
    void equalRewardsAndSingletonGroupsGiveZero() {
        assertArrayEquals(new double[] {0, 0, 0}, Advantages.compute(new double[] {2, 2, 2}, 3, AdvantageOptions.grpo()), 0);
        assertArrayEquals(new double[] {0, 0}, Advantages.compute(new double[] {2, 5}, 1, AdvantageOptions.grpo()), 0);
    }

    @Test
    void raggedBatchesAndNonFiniteRewardsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Advantages.compute(new double[] {1, 2, 3}, 2, AdvantageOptions.grpo()));
        assertThrows(IllegalArgumentException.class, () -> Advantages.compute(new double[] {1, Double.NaN}, 2, AdvantageOptions.grpo()));
        assertThrows(IllegalArgumentException.class, () -> Advantages.compute(new double[] {1}, 0, AdvantageOptions.grpo()));
        assertThrows(IllegalArgumentException.class, () -> AdvantageOptions.parse("mean", 1e-6));
    }

    @Test
    void hugeFiniteRewardsGiveFiniteCorrectAdvantages() {
        for (String scaling : new String[] {"group", "batch"}) {
            AdvantageOptions opt = AdvantageOptions.parse(scaling, 1e-6);
            assertArrayEquals(new double[] {0, 0}, Advantages.compute(new double[] {1e308, 1e308}, 2, opt), 0, scaling);
            double a = Math.sqrt(0.5);
            assertArrayEquals(new double[] {a, -a}, Advantages.compute(new double[] {1e300, 0}, 2, opt), 1e-12, scaling);
            assertArrayEquals(new double[] {-a, a}, Advantages.compute(new double[] {-Double.MAX_VALUE, Double.MAX_VALUE}, 2, opt), 1e-12, scaling);
        }
        AdvantageOptions none = new AdvantageOptions(AdvantageOptions.Scaling.NONE, 0);
        assertArrayEquals(new double[] {1e308, -1e308}, Advantages.compute(new double[] {1e308, -1e308}, 2, none), 0);
        // Dr. GRPO's r − mean itself can exceed a double: said, not returned as infinity.
        assertThrows(IllegalArgumentException.class,
                () -> Advantages.compute(new double[] {Double.MAX_VALUE, -Double.MAX_VALUE, -Double.MAX_VALUE}, 3, none));
    }

    @Test
    void ordinaryRewardsGiveTheUnscaledFormulaBitForBit() {
        java.util.Random rnd = new java.util.Random(7);
        for (int trial = 0; trial < 1000; trial++) {
            double[] r = new double[8];
            for (int i = 0; i < r.length; i++) r[i] = rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 3);
            double mean = 0, q = 0;
            for (double v : r) mean += v;
            mean /= r.length;
            for (double v : r) q += (v - mean) * (v - mean);
            double std = Math.sqrt(q / (r.length - 1));
            double[] got = Advantages.compute(r, 8, AdvantageOptions.grpo());
            for (int i = 0; i < r.length; i++) assertEquals((r[i] - mean) / (std + 1e-6), got[i], 0.0, "trial " + trial);
        }
    }
}
