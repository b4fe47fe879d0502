package rft3d.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
}
